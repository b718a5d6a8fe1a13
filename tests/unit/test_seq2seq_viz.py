"""Chapter 4 figures: frames per step, escaped words, readable fonts."""

import json

from viz import seq2seq as figs

LABELS = {
    "plain_title": "One vector · step {step}, reads “{input}”",
    "attention_title": "Attention · step {step}, reads “{input}”",
    "plain_done": "done",
    "attention_done": "done",
    "weights_title": "Where step {step} looks",
    "slider": "Step",
}


def step(input_word, output, attention=None):
    return {"input": input_word, "output": output, "candidates": [(output, 0.9), ("x", 0.1)], "attention": attention}


def test_steps_figure_has_one_frame_per_step_and_escapes_words():
    source = ["<b>i</b>", "love"]
    plain = [step("start", "ik"), step("ik", "<eos>")]
    attention = [step("start", "ik", [0.8, 0.2]), step("ik", "hou", [0.1, 0.9]), step("hou", "<eos>", [0.5, 0.5])]
    fig = figs.steps_figure(source, plain, attention, LABELS, active=1)
    assert len(fig.frames) == 3
    assert fig.layout.sliders[0].active == 1
    text = json.dumps(fig.to_plotly_json())
    assert "<b>i</b>" not in text and "&lt;b&gt;i&lt;/b&gt;" in text
    # the third frame: plain is done, attention's weights drawn over both input words
    last = fig.frames[2]
    assert list(last.data[0].x) == []
    assert list(last.data[2].x) == [0.5, 0.5]
    assert [a["text"] for a in last.layout.annotations][0] == "done"


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
