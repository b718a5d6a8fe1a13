"""Chapter 1 page (AppTest): controls change what is drawn; bad input shows a message."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.pages import apptest_helpers
from ui import i18n, wayfinding

ROOT = Path(__file__).resolve().parents[2]
PAGE = "pages/1_Tokenization.py"
TIMEOUT = 180


def open_page(lang: str = "en") -> AppTest:
    """Open the chapter through the app, the way a student does."""
    return apptest_helpers.open_page(PAGE, lang, timeout=TIMEOUT)


def html_bodies(app: AppTest) -> list[str]:
    """HTML the page drew, less the app's own style sheets (the predict-then-reveal cover,
    the phone and projector layouts: no user text in them)."""
    from ui.common import PHONE_CSS, PROJECTOR_CSS, WHOLE_WORDS_CSS

    bodies = [element.proto.body for element in app.get("html")]
    layouts = (PHONE_CSS, PROJECTOR_CSS, WHOLE_WORDS_CSS)
    return [b for b in bodies if not ((b.startswith("<style>") and ".st-key-quiz_" in b) or b in layouts
                                      or wayfinding.is_own_html(b))]


def summaries(app: AppTest, lang: str = "en") -> list[str]:
    """The four "N tokens · vocabulary: M tokens" lines, in the order word, char, bpe, wordpiece."""
    marker = i18n.translate("ch1.side.vocab_size", lang, size=0).split("0")[0]
    return [m.value for m in app.markdown if marker in m.value]


def first_number(text: str) -> int:
    return int(re.search(r"\d[\d,]*", text).group().replace(",", ""))


def chart_titled(app: AppTest, title: str) -> dict:
    return apptest_helpers.chart_titled(app, title, exact=True)


messages = apptest_helpers.messages


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_page_draws_four_tokenizers(lang):
    app = open_page(lang)
    assert app.title[0].value == i18n.translate("ch1.title", lang)
    lines = summaries(app, lang)
    assert len(lines) == 4
    assert len(app.get("plotly_chart")) == 3  # rained history, tokens per vocabulary size, languages
    assert not app.error


def test_vocabulary_slider_retrains_bpe_and_changes_the_tokens():
    app = open_page()
    app.text_area(key="ch1_text").set_value("It rained this morning").run()
    app.slider(key="ch1_vocab").set_value(260).run()
    small = summaries(app)[2]
    small_html = html_bodies(app)[2]
    app.slider(key="ch1_vocab").set_value(1200).run()
    large = summaries(app)[2]
    assert not app.exception
    # "N tokens · vocabulary: M tokens": fewer tokens, a larger vocabulary
    assert first_number(large) < first_number(small)
    assert int(large.split("·")[-1].split(":")[-1].split()[0].replace(",", "")) > 260
    assert html_bodies(app)[2] != small_html
    assert app.query_params["vocab"] in ("1200", ["1200"])


def test_rained_becomes_rain_plus_ed():
    app = open_page()
    app.slider(key="ch1_vocab").set_value(500).run()
    bpe_chips = html_bodies(app)[2]
    assert re.search(r"> rain<.*?>ed<", bpe_chips)  # " rain" + "ed"
    history = next(body for body in html_bodies(app) if "after merging" in body)
    assert ">␣rain<" in history and ">ed<" in history and ">␣rained<" in history


def test_whitespace_toggle_shows_spaces():
    app = open_page()
    assert "␣" not in html_bodies(app)[2]
    app.toggle(key="ch1_ws").set_value(True).run()
    assert "␣" in html_bodies(app)[2]


def test_merge_stepper_shows_more_merges():
    app = open_page()
    app.slider(key="ch1_steps").set_value(3).run()
    assert len(app.dataframe[0].value) == 3
    after_3 = next(b for b in html_bodies(app) if "after 3 merges" in b)
    app.slider(key="ch1_steps").set_value(20).run()
    table = app.dataframe[0].value
    assert len(table) == 20
    counts = table[i18n.translate("ch1.bpe.table_count", "en")].tolist()
    assert counts[0] >= counts[-1] > 0
    after_20 = next(b for b in html_bodies(app) if "after 20 merges" in b)
    assert after_20.count("<span style") < after_3.count("<span style")  # fewer, longer pieces


class TagCollector(HTMLParser):
    """Every tag and attribute name the browser would build from an HTML string."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attributes.update(name for name, _ in attrs)


def test_user_html_is_escaped_in_the_chips():
    app = open_page()
    app.text_area(key="ch1_text").set_value('<script>alert(1)</script> <img src=x onerror="alert(2)"> <b>hi</b>').run()
    assert not app.exception
    parser = TagCollector()
    for body in html_bodies(app):
        parser.feed(body)
    assert parser.tags <= {"div", "span"}, parser.tags  # no script, img or b element was made
    assert parser.attributes <= {"style", "title"}, parser.attributes  # no onerror / src
    bodies = "".join(html_bodies(app))
    assert "&lt;" in bodies and ">script<" in bodies  # the user's text is still shown, as text


def test_unknown_words_are_reported_lost_in_the_round_trip():
    app = open_page()
    app.text_area(key="ch1_text").set_value("It rained on the xylophonist").run()
    lost = [w for w in app.warning if "xylophonist" in w.value]
    assert lost, [w.value for w in app.warning]
    assert any(s.value == i18n.translate("ch1.roundtrip.exact", "en") for s in app.success)


@pytest.mark.parametrize(
    ("text", "key", "params"),
    [
        ("", "errors.text.empty", {}),
        ("   \n ", "errors.text.empty", {}),
        ("🎉🎉 !!!", "errors.text.no_words", {}),
        ("x" * 100_000, "errors.text.too_long", {"limit": 2000, "length": 100_000}),
    ],
)
def test_bad_text_shows_a_message_not_a_traceback(text, key, params):
    app = open_page()
    app.text_area(key="ch1_text").set_value(text).run()
    assert not app.exception
    assert i18n.translate(key, "en", **params) in messages(app)


def test_chinese_and_emoji_text_tokenizes():
    app = open_page("zh")
    app.text_area(key="ch1_text").set_value("今天早上下雨了 🌧️").run()
    assert not app.exception and not app.error
    assert len(summaries(app, "zh")) == 4


def test_bad_word_to_follow_shows_a_message():
    app = open_page()
    app.text_input(key="ch1_word").set_value("two words").run()
    assert not app.exception
    assert i18n.translate("errors.word.not_one_word", "en") in messages(app)


def test_language_comparison_counts_both_sentences():
    app = open_page()
    app.text_input(key="ch1_zh").set_value("今天早上下雨了").run()
    spec = chart_titled(app, i18n.translate("ch1.compare.figure", "en"))
    bars = {trace["name"]: trace["y"] for trace in spec["data"]}
    assert set(bars) == {"English", "Chinese"}
    english, chinese = bars["English"], bars["Chinese"]
    assert english[1] == len("It rained this morning")  # character-level
    assert chinese[1] == len("今天早上下雨了")


def test_token_count_curve_falls_and_marks_the_slider():
    app = open_page()
    app.slider(key="ch1_vocab").set_value(640).run()
    spec = chart_titled(app, i18n.translate("ch1.bpe.count_figure", "en"))
    sizes, counts = spec["data"][0]["x"], spec["data"][0]["y"]
    assert sizes[0] == 256 and counts[0] == len("It rained this morning")  # bytes only
    assert counts == sorted(counts, reverse=True) and counts[-1] < counts[0]
    assert spec["layout"]["shapes"][0]["x0"] == 640


def test_corpus_running_out_of_pairs_is_said():
    app = open_page()
    exhausted = i18n.template("ch1.side.bpe_exhausted", "en").split("{")[0]
    assert not any(exhausted in c.value for c in app.caption)
    app.slider(key="ch1_vocab").set_value(2000).run()
    assert any(exhausted in c.value for c in app.caption)


def test_lost_markdown_characters_are_shown_literally():
    app = open_page()
    app.text_area(key="ch1_text").set_value("rain ** [x](javascript:alert(1))").run()
    assert not app.exception
    lossy = [w.value for w in app.warning if "[UNK]" in w.value]
    assert lossy and all("\\*" in w or "\\[" in w for w in lossy)


# --- SmolLM2's real tokenizer ------------------------------------------------------------



@pytest.mark.parametrize("lang", ["en", "zh"])
def test_smollm2_tokenizer_token_tax_and_readable_bytes(lang):
    app = open_page(lang)
    app.text_input(key="ch1_zh").set_value("今天早上下雨了").run()
    assert not app.exception
    headers = [h.value for h in app.header]
    assert i18n.translate("ch1.smollm2.header", lang) in headers
    metrics = {m.label: m.value for m in app.metric}
    english = metrics[
        i18n.translate("ch1.smollm2.tax_metric", lang, language=i18n.translate("ch1.compare.series_en", lang))
    ]
    chinese = metrics[
        i18n.translate("ch1.smollm2.tax_metric", lang, language=i18n.translate("ch1.compare.series_zh", lang))
    ]
    assert first_number(chinese) > 7  # 7 characters, more tokens: the token tax
    assert first_number(english) < len(i18n.translate("ch1.compare.default_english", lang))
    part = i18n.translate("ch1.smollm2.byte_part", lang, char="今", first=1, last=2, total=3)
    bytes_view = next(body for body in html_bodies(app) if part in body)
    assert "e4 bb" in bytes_view
    # Never mojibake or replacement characters on screen.
    everything = " ".join(html_bodies(app))
    assert "ä»" not in everything and "�" not in everything


def test_chinese_byte_pieces_are_explained_and_named():
    """Byte-level BPE cuts a Chinese character into UTF-8 bytes: the page writes such a piece
    as its bytes (⟨e4 b8⟩, never "<e4>" or Latin-1 letters) with the character it belongs to,
    explains it in words, and shows the stand-in symbols only in the labelled column."""
    app = open_page("zh")
    app.slider(key="ch1_vocab").set_value(260).run()  # few merges: characters still in pieces
    assert not app.exception
    bodies = "".join(html_bodies(app))
    assert "⟨e4" in bodies and "&lt;e4&gt;" not in bodies and "<e4>" not in bodies
    assert "今 1/3" in bodies  # the first byte of 今, named under its chip
    assert "ä" not in bodies and "Ġ" not in bodies  # no stand-in symbols in the chips
    prose = " ".join(m.value for m in app.markdown)
    assert "UTF-8" in prose and "⟨e4 b8⟩" in prose  # the explanation, in Chinese
    table = app.dataframe[0].value
    stored = table[i18n.translate("ch1.bpe.table_stored", "zh")].tolist()
    pairs = table[i18n.translate("ch1.bpe.table_pair", "zh")].tolist()
    assert any("Ġ" in pair for pair in stored)  # what the tokenizer stores, labelled
    assert not any("Ġ" in pair or "ä" in pair for pair in pairs)  # the readable pair: ␣, ⟨e4⟩
    assert any("␣" in pair for pair in pairs) and any("⟨" in pair for pair in pairs)
    merges = " ".join(body for body in html_bodies(app) if "合并" in body)
    assert "Ġ" not in merges and "ä" not in merges


def test_the_count_curve_reads_the_count_shown_beside_it_at_the_chosen_size():
    """The curve of tokens against vocabulary size passes through the chosen size exactly:
    there it reads the BPE count the page states (it was sampled every 32 sizes, so at 500
    it read 8 tokens where the page said 6)."""
    app = open_page()
    app.text_area(key="ch1_text").set_value("It rained this morning, unbelievably").run()
    for size in (500, 777):
        app.slider(key="ch1_vocab").set_value(size).run()
        curve = chart_titled(app, i18n.translate("ch1.bpe.count_figure", "en"))["data"][0]
        at_size = dict(zip(curve["x"], curve["y"], strict=True))[size]
        assert at_size == first_number(summaries(app)[2])
