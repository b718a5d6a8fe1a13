"""Chapter 1 figures: chips escape user text, mark whitespace and unknown tokens."""

from lm_core.tokenizers.lesson import Token
from viz.tokens import (
    UNKNOWN_COLOUR,
    byte_note,
    display_token,
    token_chips_html,
    token_count_figure,
    word_history_figure,
    word_stages_html,
)

EVIL = ["<script>alert(1)</script>", '<img src=x onerror="alert(2)">', "a&b", "\"'"]


def test_chips_escape_every_user_token():
    tokens = [Token(text, k, 0, len(text)) for k, text in enumerate(EVIL)]
    html = token_chips_html(tokens)
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in html
    assert "a&amp;b" in html


def test_byte_level_display_text_is_escaped_too():
    token = Token("Ġ<b>", 7, 0, 4, display=" <b>")
    html = token_chips_html([token])
    assert "<b>" not in html and "&lt;b&gt;" in html


def test_whitespace_toggle_and_ids():
    tokens = [Token("Ġrain", 300, 0, 5, display=" rain"), Token("ed", 301, 5, 7)]
    hidden = token_chips_html(tokens)
    shown = token_chips_html(tokens, whitespace_visible=True)
    assert "␣rain" in shown and "␣" not in hidden
    assert ">300<" in hidden and ">301<" in hidden
    assert ">300<" not in token_chips_html(tokens, show_ids=False)


def test_unknown_tokens_are_red_and_specials_dashed():
    html = token_chips_html([Token("[UNK]", 0, 0, 3, unknown=True), Token("[CLS]", 101, 0, 0, special=True)])
    assert UNKNOWN_COLOUR in html
    assert "border-style:dashed" in html


def test_word_stages_escape_labels_notes_and_pieces():
    html = word_stages_html([("<i>256</i>", ["<x>", "y"], "after <script>")])
    assert "<i>" not in html and "<x>" not in html and "<script>" not in html
    assert "&lt;x&gt;" in html


def test_count_figure_has_one_bar_series_per_language():
    figure = token_count_figure(
        {"en": {"word": 4, "char": 22}, "zh": {"word": 4, "char": 7}},
        {"word": "Word", "char": "Char"},
        {"en": "English", "zh": "Chinese"},
        "title",
        "tokens",
    )
    assert [trace.name for trace in figure.data] == ["English", "Chinese"]
    assert list(figure.data[1].y) == [4, 7]
    assert figure.layout.yaxis.title.text == "tokens"


def test_history_figure_steps_down():
    figure = word_history_figure([(256, 7), (300, 3), (600, 1)], "t", "x", "y")
    assert list(figure.data[0].y) == [7, 3, 1]
    assert figure.data[0].line.shape == "hv"


def test_tooltip_quotes_the_source_text_escaped():
    text = 'say "<hi>"'
    html = token_chips_html([Token("[UNK]", 0, 4, 10, unknown=True)], source_text=text)
    assert "“&quot;&lt;hi&gt;&quot;”" in html


def test_escape_markdown_makes_syntax_literal():
    from viz.tokens import escape_markdown

    assert escape_markdown("*a* [x](javascript:1) `c` _d_") == (r"\*a\* \[x\]\(javascript\:1\) \`c\` \_d\_")
    assert escape_markdown("今天 rain") == "今天 rain"


def test_one_space_symbol_whatever_the_tokenizer_writes():
    # Our tiny models' BPE writes "▁", a decoded byte-level token has a real space: both read ␣.
    assert display_token("\u2581rain") == display_token(" rain") == "␣rain"
    assert display_token("王") == "王" and display_token("") == "∅" and display_token("\n") == "↵"
    # the bytes of a piece of a character keep their own spaces
    assert display_token("⟨e4 b8⟩") == "⟨e4 b8⟩" and display_token(" ⟨e4 b8⟩") == "␣⟨e4 b8⟩"


def test_byte_notes_name_the_character_a_piece_belongs_to():
    labels = {"whole": "{char}", "part": "{char} {first}–{last}/{total}", "one": "{char} {first}/{total}"}
    assert byte_note((("下", 1, 2, 3),), labels) == "下 1–2/3"
    assert byte_note((("下", 3, 3, 3), ("雨", 1, 1, 3)), labels) == "下 3/3 · 雨 1/3"
    assert byte_note((("下", 1, 3, 3),), labels) == ""  # a whole character says it all
    html = token_chips_html([Token("ä¸", 5, 0, 1, display="⟨e4 b8⟩")], notes=["下 1–2/3"])
    assert "⟨e4 b8⟩" in html and "下 1–2/3" in html
    stages = word_stages_html([("256", ["⟨e4 b8⟩", "<b>"], "")], notes=[["下 1–2/3", "<i>"]])
    assert "下 1–2/3" in stages and "<i>" not in stages and "&lt;i&gt;" in stages
