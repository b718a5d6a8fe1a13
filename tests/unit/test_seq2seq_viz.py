"""Chapter 4 figures: one step drawn at a time, escaped words, readable fonts."""

import json

from viz import seq2seq as figs

LABELS = {
    "plain_title": "One vector · step {step}, reads “{input}”",
    "attention_title": "Attention · step {step}, reads “{input}”",
    "plain_done": "done",
    "attention_done": "done",
    "weights_title": "Where step {step} looks",
}


def step(input_word, output, attention=None):
    return {"input": input_word, "output": output, "candidates": [(output, 0.9), ("x", 0.1)], "attention": attention}


def test_steps_figure_draws_the_step_asked_for_and_escapes_words():
    source = ["<b>i</b>", "love"]
    plain = [step("start", "ik"), step("ik", "<eos>")]
    attention = [step("start", "ik", [0.8, 0.2]), step("ik", "hou", [0.1, 0.9]), step("hou", "<eos>", [0.5, 0.5])]
    fig = figs.steps_figure(source, plain, attention, LABELS, active=1)
    assert [a.text for a in fig.layout.annotations][2] == "Where step 2 looks"  # numbered from 1 on screen
    assert list(fig.data[2].x) == [0.9, 0.1]  # the weights of step 2, last input word on top
    text = json.dumps(fig.to_plotly_json())
    assert "<b>i</b>" not in text and "&lt;b&gt;i&lt;/b&gt;" in text
    # the third step: plain is done, attention's weights drawn over both input words
    last = figs.steps_figure(source, plain, attention, LABELS, active=2)
    assert list(last.data[0].x) == []
    assert list(last.data[2].x) == [0.5, 0.5]
    assert [a.text for a in last.layout.annotations][0] == "done"
    # past the end: the last step
    assert figs.steps_figure(source, plain, attention, LABELS, active=9).layout.annotations[2].text == "Where step 3 looks"
    assert figs.step_labels(plain, attention) == ["1: ik", "2: hou", "3: <eos>"]


def test_alignment_figure_rows_and_columns():
    fig = figs.alignment_figure(
        ["i", "love"], ["ik", "hou"], [[0.9, 0.1], [0.2, 0.8]], {"title": "T", "x": "x", "y": "y", "hover": "%{z}"}
    )
    heat = fig.data[0]
    assert list(heat.x) == ["1. i", "2. love"] and list(heat.y) == ["1. ik", "2. hou"]
    assert heat.text[0][0] == "90"
    assert fig.layout.font.size >= 14


def test_length_and_timing_figures():
    rows = [{"low": 3, "high": 5, "n": 10, "exact_match": 0.5, "word_accuracy": 0.75}]
    labels = {
        "title": "T",
        "x": "x",
        "y": "y",
        "plain": "p",
        "attention": "a",
        "word_accuracy": "w",
        "exact_match": "e",
    }
    fig = figs.length_accuracy_figure({"plain": rows, "attention": rows}, labels)
    assert len(fig.data) == 4 and list(fig.data[0].y) == [75.0]
    timing = figs.timing_figure(
        [{"length": 8, "recurrent_s": 0.001, "parallel_s": 0.0001}],
        {"title": "T", "x": "x", "y": "y", "recurrent": "r", "parallel": "p"},
    )
    assert list(timing.data[0].y) == [1.0] and timing.layout.yaxis.type == "log"


def test_translation_box_shows_learner_text_literally_and_percent_formats_shares():
    from viz.seq2seq import percent, translation_box_html

    box = translation_box_html("With <b>attention</b>", "ik zie <script>x</script>", "#123456")
    assert "<script>" not in box and "&lt;script&gt;" in box and "&lt;b&gt;attention" in box
    assert "&nbsp;" in translation_box_html("plain", "", "#123456")  # an empty output keeps its height
    assert "1.15rem" in translation_box_html("plain", "x" * 40, "#123456")
    assert percent(0.426) == "43%" and percent(None) == "–"
