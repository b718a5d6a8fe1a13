"""Chapter 8 figures: learner text escaped, numbers where they belong, readable fonts."""

from viz import ch8 as figs

LABELS = {
    "title": "T <b>",
    "x": "x",
    "y": "y",
    "hover": "%{z}",
    "finetune": "ft",
    "prompt_gpt": "pg",
    "prompt_llm": "pl",
    "chance": "chance",
    "fit": "fit",
    "points": "pts",
}


def test_story_bars_keep_order_whole_labels_raw_and_calibrated_and_escape():
    fig = figs.story_figure(
        ["tiny GPT · fine-tuned", "<script>x</script>", "SmolLM2 · 0-shot"],
        [0.8, 0.3, 0.5],
        ["finetune", "prompt_gpt", "prompt_llm"],
        LABELS | {"calibrated": "cal"},
        chance=0.17,
        calibrated=[None, 0.4, 0.6],
    )
    assert fig.layout.yaxis.categoryarray == (
        "tiny GPT · fine-tuned",
        "&lt;script&gt;x&lt;/script&gt;",
        "SmolLM2 · 0-shot",
    )
    assert [trace.name for trace in fig.data] == ["ft", "pg", "pl", "cal", "cal", "chance"]
    assert [trace.offsetgroup for trace in fig.data[:5]] == ["raw", "raw", "raw", "calibrated", "calibrated"]
    assert fig.data[3].x == (0.4,) and fig.data[4].x == (0.6,) and fig.data[4].showlegend is False
    assert all(trace.orientation == "h" for trace in fig.data[:5]) and tuple(fig.layout.xaxis.range) == (0, 1)
    assert fig.data[0].text == ("0.80",) and fig.layout.yaxis.tickfont.size >= 14


def test_confusion_and_sentence_and_scaling_figures():
    cm = figs.confusion_figure([[3, 1, 0], [0, 2, 1], [1, 0, 4]], ["pos", "neg", "neu"], LABELS)
    assert [list(row) for row in cm.data[0].z] == [[3, 1, 0], [0, 2, 1], [1, 0, 4]]
    probs = figs.sentence_probs_figure(["a", "b"], [[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]], ["p", "n", "u"], 2, LABELS)
    assert len(probs.data) == 3 and probs.data[2].name == "u ✓"
    runs = [{"name": "xs", "points": [[1e9, 5.0], [2e9, 4.0]]}, {"name": "l", "points": [[2e9, 4.5], [4e9, 3.0]]}]
    compute = figs.scaling_compute_figure(runs, [[1e9, 5.0], [2e9, 4.0], [4e9, 3.0]], {"a": 100.0, "b": 0.1}, LABELS)
    assert compute.layout.xaxis.type == "log" and compute.layout.yaxis.type == "log" and len(compute.data) == 3
    params = figs.scaling_params_figure([1e4, 1e5], [4.0, 3.0], ["xs", "l"], {"a": 10.0, "b": 0.1}, LABELS)
    assert params.layout.xaxis.type == "log"


def test_learner_text_in_legends_axes_and_labels_is_escaped_once():
    loss = figs.loss_figure({"<i>mine</i> & co": ([1, 2], [3.0, 2.0])}, LABELS)
    assert loss.data[0].name == "&lt;i&gt;mine&lt;/i&gt; & co"
    cm = figs.confusion_figure([[1, 0, 0], [0, 1, 0], [0, 0, 1]], ["<b>p</b>", "n", "u"], LABELS)
    assert cm.data[0].x[0] == "&lt;b&gt;p&lt;/b&gt;" and cm.data[0].y[0] == "&lt;b&gt;p&lt;/b&gt;"
    already = figs.story_figure(["a &lt; b"], [0.5], ["prompt_gpt"], LABELS)
    assert already.data[0].y == ("a &lt; b",)  # an entity written before is not escaped again
