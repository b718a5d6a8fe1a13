"""Chapter 5 page (AppTest): every control redraws, bad input shows a message."""

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from lm_core.analysis import attention_lab as lab
from lm_core.data.curriculum import HEAD_SEARCHES
from tests.pages import apptest_helpers
from ui import i18n

ROOT = Path(__file__).resolve().parents[2]
PAGE = "pages/5_Self_attention.py"
TIMEOUT = 240


def open_page(lang: str = "en", **params: str) -> AppTest:
    """Open the chapter through the app, the way a student does."""
    return apptest_helpers.open_page(PAGE, lang, **params)


def chart(app: AppTest, title_part: str) -> dict:
    """The plotly spec whose title contains ``title_part``."""
    return apptest_helpers.chart_titled(app, title_part)


def array(value) -> np.ndarray:
    """Plotly 6+ writes numpy arrays as {"dtype", "bdata", "shape"}; lists stay lists."""
    if isinstance(value, dict) and "bdata" in value:
        data = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        shape = value.get("shape")
        if shape:
            data = data.reshape([int(n) for n in str(shape).split(",")])
        return data
    return np.asarray(value, dtype=float)


def titles(app: AppTest) -> list[str]:
    return apptest_helpers.chart_titles(app)


def set_text(app: AppTest, text: str) -> AppTest:
    app.text_input(key="ch5_text").set_value(text).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def errors(app: AppTest) -> list[str]:
    return [element.value for element in app.error]


@pytest.fixture(scope="module")
def page():
    return open_page()


def explorer(app: AppTest) -> dict:
    """The browser explorer's payload: the numbers, words and opening view it was sent."""
    frames = [frame.proto.srcdoc for frame in app.get("iframe") if "id='payload'" in frame.proto.srcdoc]
    assert len(frames) == 1, f"{len(frames)} explorers on the page"
    html = frames[0]
    start = html.index("id='payload'>") + len("id='payload'>")
    payload = json.loads(html[start:html.index("</script>", start)])
    payload["numbers"] = {
        name: np.frombuffer(base64.b64decode(entry["data"]), dtype="<f2").astype(np.float32).reshape(entry["shape"])
        for name, entry in payload["arrays"].items()
    }
    payload["html"] = html
    return payload


def opened(app: AppTest) -> tuple[int, int, int]:
    init = explorer(app)["init"]
    return init["layer"], init["head"], init["token"]


def test_default_page_opens_the_found_head_in_the_browser_explorer(page):
    # The input vectors are a server chart; the explorer (steps, one token, all heads) and
    # BertViz's two views are frames.
    assert len(titles(page)) == 1
    assert len(page.get("iframe")) == 3 + 1  # + the by-hand tables
    assert page.title[0].value == i18n.translate("ch5.title", "en")
    # "It rained this morning": the search opens the head where "rained" looks at this/morning.
    search = HEAD_SEARCHES["rained"]
    trace = lab.trace_minilm(lab.EXAMPLE_SENTENCES[search.sentence])
    matches = lab.find_heads(trace, search.source, search.targets)
    assert opened(page) == (matches[0].layer, matches[0].head, trace.tokens.index("rained"))
    payload = explorer(page)
    assert payload["init"]["view"] == "steps" and payload["init"]["causal"] is False
    assert payload["tokens"] == trace.tokens and payload["causal"] is False
    assert not errors(page)


def test_explorer_carries_every_heads_own_numbers(page):
    """Every layer x head, so the browser never asks again; float16 of the model's numbers."""
    trace = lab.trace_minilm(lab.EXAMPLE_SENTENCES["rained"])
    numbers = explorer(page)["numbers"]
    n = trace.n_tokens
    assert numbers["weights"].shape == numbers["scores"].shape == (6, 12, n, n)
    assert numbers["q"].shape == numbers["head_out"].shape == (6, 12, n, 32)
    assert numbers["inputs"].shape == (6, n, 384)
    np.testing.assert_allclose(numbers["weights"], trace.all_weights(), atol=1e-3)
    for layer, head in ((0, 0), (3, 7), (5, 11)):
        steps = lab.attention_steps(trace, layer, head)
        np.testing.assert_allclose(numbers["scores"][layer, head], steps.scores, rtol=2e-3, atol=2e-3)
        np.testing.assert_allclose(numbers["head_out"][layer, head], steps.head_out, rtol=2e-3, atol=2e-3)
    np.testing.assert_allclose(numbers["sharpness"], lab.focus_scores(trace), atol=1e-3)


def test_explorer_speaks_the_page_language_and_numbers_from_one():
    app = open_page(lang="zh")
    labels = explorer(app)["labels"]
    assert labels["layer"] == i18n.translate("ch5.controls.layer", "zh")
    assert labels["where"] == i18n.template("ch5.steps.where", "zh")
    assert set(labels["views"]) == {"steps", "token", "heads"}
    assert explorer(app)["temperatures"] == list(lab.TEMPERATURES)
    assert "not part of the model" in explorer(open_page())["labels"]["temperature"]


def test_example_choice_opens_the_coreference_head():
    app = open_page()
    app.radio(key="ch5_example").set_value("keys").run()
    assert not app.exception
    assert app.text_input(key="ch5_text").value == lab.EXAMPLE_SENTENCES["keys"]
    trace = lab.trace_minilm(lab.EXAMPLE_SENTENCES["keys"])
    best = lab.find_heads(trace, HEAD_SEARCHES["keys"].source, HEAD_SEARCHES["keys"].targets)[0]
    assert opened(app) == (best.layer, best.head, trace.tokens.index("they"))


def test_open_button_loads_sentence_and_head():
    app = open_page()
    app.button(key="ch5_open_keys").click().run()
    assert not app.exception
    assert app.text_input(key="ch5_text").value == lab.EXAMPLE_SENTENCES["keys"]
    search = HEAD_SEARCHES["keys"]
    best = lab.find_heads(lab.trace_minilm(lab.EXAMPLE_SENTENCES[search.sentence]), search.source, search.targets)[0]
    trace = lab.trace_minilm(lab.EXAMPLE_SENTENCES["keys"])
    assert opened(app) == (best.layer, best.head, trace.tokens.index("they"))


@pytest.mark.parametrize(
    ("text", "key", "params"),
    [
        ("", "errors.text.empty", {}),
        ("hello", "errors.text.one_token", {}),
        ("🙂🙂🙂", "errors.text.no_words", {}),
        ("word " * 50, "errors.text.too_many_tokens", {"limit": lab.MAX_TOKENS, "count": 52}),
    ],
)
def test_bad_input_shows_a_clear_message(page, text, key, params):
    set_text(page, text)
    assert errors(page) == [i18n.translate(key, "en", **params)]
    assert not page.get("plotly_chart") and not page.get("iframe")
    set_text(page, lab.EXAMPLE_SENTENCES["rained"])
    assert not errors(page)


def test_typed_html_is_drawn_as_text():
    app = open_page()
    set_text(app, "<img src=x onerror=alert(1)> keys")
    assert not errors(app)
    for chart in app.get("plotly_chart"):
        assert "<img" not in chart.proto.spec
    for frame in app.get("iframe"):
        assert "<img src=x" not in str(frame.proto)


def test_chinese_page_and_chinese_sentence():
    app = open_page(lang="zh")
    assert app.title[0].value == i18n.translate("ch5.title", "zh")
    app.radio(key="ch5_example").set_value("zh").run()
    assert not app.exception
    unk = [w.value for w in app.warning]
    assert unk and "[UNK]" in unk[0]  # honest: MiniLM's English vocabulary lacks most of these
    assert len(app.get("plotly_chart")) == 1 and explorer(app)["tokens"][0] == "[CLS]"


def test_url_opens_a_shared_view():
    """The link's layer, head and token win over the head search (which only suggests),
    on the example sentence too, where the search has a head of its own."""
    app = open_page(layer="2", head="9", token="3", example="keys", view="heads", causal="1", temp="0.5",
                    metric="sharpness")
    # Numbered from 1 on screen and in the link: layer 2, head 9 are indices 1 and 8.
    assert opened(app) == (1, 8, 3)
    init = explorer(app)["init"]
    assert (init["view"], init["causal"], init["temperature"], init["metric"]) == ("heads", True, 0.5, "sharpness")
    assert app.radio(key="ch5_example").value == "keys"
    assert app.query_params["layer"] in ("2", ["2"]) and app.query_params["token"] in ("3", ["3"])


def found_head() -> tuple[int, int, int]:
    """Where the default page opens without a link: the head the search finds for "rained"."""
    search = HEAD_SEARCHES["rained"]
    trace = lab.trace_minilm(lab.EXAMPLE_SENTENCES[search.sentence])
    best = lab.find_heads(trace, search.source, search.targets)[0]
    return best.layer, best.head, best.source


@pytest.mark.parametrize(("params", "expected"), [
    # Out of range clamps to the nearest that exists (MiniLM: 6 layers); not a number falls back.
    ({"layer": "99", "head": "-4", "token": "nan"}, lambda layer, head, token: (5, 0, token)),
    ({"layer": "<script>", "head": "inf", "token": "1e9"}, lambda layer, head, token: (layer, head, token)),
    ({"view": "everything", "temp": "nan", "metric": "<b>x</b>", "causal": "maybe"},
     lambda layer, head, token: (layer, head, token)),
])
def test_tampered_explorer_links_fall_back_to_what_exists(params, expected):
    app = open_page(**params)
    assert not app.exception and not errors(app)
    init = explorer(app)["init"]
    assert (init["layer"], init["head"], init["token"]) == expected(*found_head())
    assert (init["view"], init["temperature"], init["metric"], init["causal"]) == ("steps", 1.0, "focus", False)


def test_url_typed_text_and_chinese_model_open_cold():
    typed = open_page(text="The cat sat on the mat")
    assert typed.text_input(key="ch5_text").value == "The cat sat on the mat"
    chinese = open_page(model="gpt_toy_zh")
    assert not errors(chinese), [e.value for e in chinese.error]
    assert chinese.radio(key="ch5_example").value == "zh"


def test_tiny_gpt_is_causal_and_its_mask_cannot_be_switched_off():
    app = open_page()
    app.selectbox(key="ch5_model").set_value("gpt_toy_en").run()
    assert not app.exception, [e.value for e in app.exception]
    assert not errors(app)
    payload = explorer(app)
    assert payload["causal"] is True and payload["init"]["causal"] is True  # the browser disables the switch
    weights = payload["numbers"]["weights"]
    assert (weights[..., np.triu_indices(weights.shape[-1], k=1)[0], np.triu_indices(weights.shape[-1], k=1)[1]]
            == 0).all()
    assert app.query_params["model"] in ("gpt_toy_en", ["gpt_toy_en"])
    # The search section is MiniLM's (the page says so); the GPT page still has the five steps.
    assert any(i.value == i18n.translate("ch5.search.decoder_note", "en") for i in app.info)
    assert len(titles(app)) == 1
    # A decoder's first token only sees itself: the page follows the last token instead.
    assert payload["init"]["token"] == len(payload["tokens"]) - 1
    set_text(app, "hello there")
    assert not app.exception


def test_chinese_gpt_opens_the_chinese_example():
    app = open_page(lang="zh")
    app.selectbox(key="ch5_model").set_value("gpt_toy_zh").run()
    assert not app.exception and not errors(app)
    assert app.text_input(key="ch5_text").value == lab.EXAMPLE_SENTENCES["zh"]
    # An English sentence typed into the Chinese model gets a clear message, not a traceback.
    set_text(app, "It rained this morning")
    assert errors(app) and not app.get("plotly_chart") and not app.get("iframe")


# --- SmolLM2: a real LLM, RoPE and grouped-query attention --------------------------------


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_smollm2_rope_step_groups_and_cap(lang):
    app = open_page(lang, model="smollm2", example="keys")
    assert app.selectbox(key="ch5_model").value == "smollm2"
    all_titles = titles(app)
    assert all_titles == [i18n.translate("ch5.input.title_smollm2", lang, shape="(12 × 576)")]
    payload = explorer(app)
    numbers = payload["numbers"]
    # Grouped-query attention: 9 query heads read 3 key/value heads; RoPE's before and after.
    assert numbers["q"].shape == numbers["q_pre_rope"].shape == (30, 9, 12, 64)
    assert numbers["k"].shape == numbers["v"].shape == numbers["k_pre_rope"].shape == (30, 3, 12, 64)
    assert payload["rope"] is True and payload["n_kv_heads"] == 3
    assert payload["labels"]["q_after"] == i18n.translate("ch5.rope.q_after", lang)
    # The preselected head is one the search found: "they" looks at "keys".
    trace = lab.trace_smollm2(lab.EXAMPLE_SENTENCES["keys"])
    best = lab.find_heads(trace, HEAD_SEARCHES["keys"].source, HEAD_SEARCHES["keys"].targets)[0]
    assert opened(app)[:2] == (best.layer, best.head)
    np.testing.assert_allclose(numbers["weights"][best.layer, best.head], trace[f"blocks.{best.layer}.attn.weights"][best.head],
                               atol=1e-3)
    assert len(app.get("iframe")) == 3 + 1  # + the by-hand tables
    # Past the token cap: a clear message in the learner's language.
    app.text_input(key="ch5_text").set_value("word " * 30).run()
    assert not app.exception
    expected = i18n.translate("errors.text.too_many_tokens", lang, limit=lab.SMOLLM2_MAX_TOKENS, count=30)
    assert expected in errors(app)


def test_the_question_follows_the_explorer_and_the_link_names_that_head(monkeypatch):
    """The learner stops the explorer on layer 2, head 7 (its message reaches the server): the
    question and the link speak of that head, as a cold open of the link does; the explorer is
    not sent again."""
    from ui.chapters.ch5 import explorer as section

    def question(app: AppTest) -> list[str]:
        return [m.value for m in app.markdown if "In layer" in m.value]

    app = open_page()
    before = explorer(app)["html"]
    assert not [q for q in question(app) if "In layer 2, head 7," in q]
    monkeypatch.setattr(section, "moved_to", lambda trace, opened, asked: "1/6/2")
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert [q for q in question(app) if "In layer 2, head 7," in q], question(app)
    assert (app.query_params["layer"], app.query_params["head"], app.query_params["token"]) == ("2", "7", "2")
    assert explorer(app)["html"] == before  # the same page for the explorer: no reload
    monkeypatch.setattr(section, "moved_to", lambda trace, opened, asked: None)
    assert question(open_page(layer="2", head="7", token="2")) == question(app)  # a student opening that link
