"""Chapter 7 figures: honest colours and labels, escaped token text, cropping drawn."""

from __future__ import annotations

from lm_core.decoding.candidates import Candidate
from viz.generation import (
    CHOSEN_COLOUR,
    CUT_COLOUR,
    KEPT_COLOUR,
    candidates_figure,
    context_slots_html,
    generated_text_html,
    logit_lens_figure,
    percent,
    probability_colour,
    timeline_figure,
    token_strip_html,
)

LABELS = {"title": "Step 1", "x": "p", "kept": "kept", "cut": "cut", "chosen": "chosen", "model": "model"}


def test_candidates_figure_colours_and_labels() -> None:
    fig = candidates_figure(
        [
            Candidate(0, "▁morning", tempered=0.6, final=2 / 3, kept=True, model_prob=0.5),
            Candidate(1, "▁evening", tempered=0.3, final=1 / 3, kept=True, model_prob=0.3, chosen=True),
            Candidate(2, "<b>", tempered=0.1, final=0.0, kept=False, model_prob=0.2),
        ],
        labels=LABELS,
        show_model=True,
    )
    bars = fig.data[0]
    assert list(bars.marker.color) == [KEPT_COLOUR, CHOSEN_COLOUR, CUT_COLOUR]
    assert list(bars.x) == [0.6, 0.3, 0.1]
    assert bars.text[0] == "60.0% → 66.7%" and bars.text[2].endswith("✗")
    assert list(bars.y) == ["1. ␣morning", "2. ␣evening", "3. <b>"]  # one space symbol, ␣, on every page
    assert fig.layout.title.text == "Step 1"
    assert list(fig.data[1].x) == [0.5, 0.3, 0.2]  # the model's own probabilities
    legend = {trace.name for trace in fig.data if trace.showlegend}
    assert {"kept", "cut", "chosen", "model"} <= legend


def test_candidates_figure_without_choice_has_no_chosen_bar() -> None:
    fig = candidates_figure(
        [Candidate(0, "a", 0.7, 0.7, True, 0.7), Candidate(1, "b", 0.3, 0.3, True, 0.3)], LABELS
    )
    assert CHOSEN_COLOUR not in list(fig.data[0].marker.color)
    assert "chosen" not in {trace.name for trace in fig.data}
    assert "model" not in {trace.name for trace in fig.data}  # no ticks unless asked


def test_percent_and_probability_colours() -> None:
    assert percent(0.5) == "50.0%" and percent(0.00001) == "<0.1%" and percent(0) == "0%"
    assert probability_colour(0.0) != probability_colour(1.0)
    assert probability_colour(-1) == probability_colour(0) and probability_colour(2) == probability_colour(1)


def test_timeline_outlines_the_selected_step() -> None:
    fig = timeline_figure(["▁a", "▁b", "⏎"], [0.9, 0.2, 1.0], 1, {"title": "T"}, forced=[False, True, False])
    assert list(fig.data[0].marker.line.width) == [0, 3, 0]
    assert list(fig.data[0].y) == [0.9, 0.2, 1.0]


def test_context_slots_fill_and_crop() -> None:
    labels = {"window": "{used} of {size}", "cropped": "{count} cropped"}
    html = context_slots_html(["a", "b", "c"], [False, True, True], [None, 0.5, 0.9], 4, labels)
    assert "3 of 4" in html and "cropped" not in html
    assert html.count("border:1px dashed") == 1  # one empty slot
    full = context_slots_html([str(i) for i in range(10)], [False] * 6 + [True] * 4, [None] * 6 + [0.5] * 4, 4, labels)
    assert "6 cropped" in full and "4 of 4" in full and "line-through" in full


def test_user_text_is_escaped_everywhere() -> None:
    evil = "<script>alert(1)</script>"
    labels = {"window": "{used}/{size}", "cropped": "{count}"}
    for html in (
        context_slots_html([evil], [False], [None], 4, labels),
        token_strip_html(evil, [evil], [0.5], title=evil),
        generated_text_html(evil, evil),
    ):
        assert "<script>" not in html and "&lt;script&gt;" in html


def test_tokens_of_every_model_show_their_space_the_same_way() -> None:
    tiny, smol = timeline_figure(["▁rain"], [0.5], 0, {"title": "T"}), timeline_figure([" rain"], [0.5], 0, {"title": "T"})
    assert list(tiny.data[0].text) == list(smol.data[0].text) == ["␣rain"]
    assert "␣rain" in token_strip_html("It", ["▁rain", " rain"], [0.5, 0.5]).replace("&#x2423;", "␣")


def test_logit_lens_rows_and_hover_count_layers_from_one() -> None:
    rows = ["embedding", "layer 1", "layer 2"]
    fig = logit_lens_figure(
        ["▁the", "▁cat"],
        rows,
        [[["a", "b"], ["c", "d"]]] * 3,
        [[[0.5, 0.2], [0.4, 0.1]]] * 3,
        {"title": "T", "x": "x", "y": "y", "prob": "p"},
    )
    assert list(fig.layout.yaxis.ticktext) == rows
    hover = fig.data[0].customdata
    assert hover[1][0].startswith("<b>layer 1</b> · ␣the") and hover[2][1].startswith("<b>layer 2</b> · ␣cat")
