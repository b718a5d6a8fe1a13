"""Chapter 5's figures: the server's input-vector chart and the browser explorer's page."""

import base64
import json

import numpy as np
import plotly.graph_objects as go
import pytest

from lm_core.analysis import attention_lab as lab
from viz import attention as figs
from viz import attention_explorer as explorer
from viz.tokens import display_token

XSS = "<img src=x onerror=alert(1)>"
TOKENS = ["[CLS]", "the", XSS, "the", "[SEP]"]


def test_token_label_escapes_and_shortens():
    assert figs.token_label(XSS).startswith("&lt;img")
    assert "<" not in figs.token_label(XSS)
    assert len(figs.token_label("x" * 50, limit=10)) <= 10


def test_vectors_figure_escapes_tokens_keeps_repeated_rows_and_is_valid_plotly():
    fig = figs.vectors_figure([("Q", np.ones((5, 4))), ("K", -np.ones((5, 4)))], TOKENS, "x", "y", "t",
                              shared_scale=False)
    text = fig.to_json()
    assert "<img" not in text and "\\u003cimg" not in text and "&lt;img" in text
    layout = fig.to_plotly_json()["layout"]
    ticks = [axis["ticktext"] for name, axis in layout.items() if name.startswith("yaxis") and "ticktext" in axis]
    assert ticks and ticks[0].count("the") == 2  # "the" twice keeps two rows
    assert all(axis["automargin"] is False for name, axis in layout.items() if name.startswith(("xaxis", "yaxis")))
    go.Figure(fig.to_dict())  # raises ValueError on any invalid property


def test_colour_scales_are_explicit_and_point_the_right_way():
    # Unvalidated figures and the browser explorer carry colour lists: plotly.js has no "RdBu_r".
    assert isinstance(figs.VALUE_SCALE[0], (list, tuple)) and len(figs.VALUE_SCALE) > 2
    assert figs.WEIGHT_SCALE[0][1] in ("rgb(247,251,255)", "#f7fbff")  # weight 0 is near white


# --------------------------------------------------------------------------- the explorer


class FakeTrace:
    model_name = "fake"
    n_layers, n_heads, n_kv_heads, head_dim = 2, 3, 0, 4
    causal, rope, special = False, False, [0, 4]
    tokens = TOKENS


def _numbers(seed=0):
    rng = np.random.default_rng(seed)
    weights = rng.random((2, 3, 5, 5)).astype(np.float32)
    return {"weights": weights / weights.sum(-1, keepdims=True), "scores": rng.normal(size=(2, 3, 5, 5)) * 30,
            "q": rng.normal(size=(2, 3, 5, 4)), "inputs": rng.normal(size=(2, 5, 8))}


def _payload(html: str) -> dict:
    start = html.index("id='payload'>") + len("id='payload'>")
    return json.loads(html[start:html.index("</script>", start)])


def _html(trace=None, **init) -> str:
    trace = trace or FakeTrace()
    opening = {"layer": 1, "head": 2, "token": 3, "view": "steps", "causal": False, "temperature": 1.0,
               "metric": "focus", **init}
    labels = {"layer": "Layer </script><script>alert(1)</script>", "where": "layer {layer}, head {head}"}
    return explorer.explorer_html(trace, explorer.pack_arrays(_numbers()), labels, opening, lab.TEMPERATURES)


def test_packed_numbers_are_float16_of_the_models_own():
    numbers = _numbers()
    for name, entry in explorer.pack_arrays(numbers).items():
        back = np.frombuffer(base64.b64decode(entry["data"]), dtype="<f2").reshape(entry["shape"])
        np.testing.assert_allclose(back.astype(np.float32), numbers[name], rtol=1e-3, atol=1e-3)
    masked = lab.apply_mask(np.zeros((3, 3), dtype=np.float32), causal=True)
    entry = explorer.pack({"m": masked}["m"])
    back = np.frombuffer(base64.b64decode(entry["data"]), dtype="<f2").reshape(entry["shape"])
    assert np.isneginf(back[0, 2]) and back[2, 0] == 0  # a masked cell stays −∞, not a number


def test_learner_tokens_and_words_cannot_leave_the_json():
    html = _html()
    # One script element of data and one of code: a token or label cannot close either.
    assert html.count("</script>") == 2
    assert XSS not in html and "alert(1)</script>" not in html
    payload = _payload(html)
    assert payload["tokens"][2] == display_token(XSS)  # still the learner's text, shown with textContent
    assert payload["labels"]["layer"].startswith("Layer </script>")


def test_control_characters_are_written_out_and_long_tokens_cut():
    labels = explorer.token_labels(["rain\x01\x07\x1b[31m", "x" * 40, "下雨", "▁rained", " keys"])
    assert labels[0] == "rain\\x01\\x07\\x1b[31m"[: explorer.LABEL_LIMIT - 1] + "…"
    assert len(labels[1]) == explorer.LABEL_LIMIT and labels[1].endswith("…")
    assert labels[2] == "下雨"
    assert labels[3:] == ["␣rained", "␣keys"]  # one space symbol, whichever way the tokenizer writes it


def test_payload_names_the_view_and_the_sentence():
    payload = _payload(_html(view="heads"))
    assert payload["init"]["view"] == "heads" and payload["n_layers"] == 2 and payload["special"] == [0, 4]
    assert payload["id"] == explorer.view_id("fake", TOKENS) != explorer.view_id("fake", TOKENS[:-1])
    assert payload["temperatures"] == list(lab.TEMPERATURES)
    assert set(payload["arrays"]) == {"weights", "scores", "q", "inputs"}


def test_nan_cannot_reach_the_page():
    with pytest.raises(ValueError):
        _html(temperature=float("nan"))


def test_explorer_arrays_cover_every_head_with_the_one_attention():
    import torch

    from lm_core.models.gpt import GPT, GPTConfig
    from lm_core.tokenizers.lm import CharTokenizer

    tokenizer = CharTokenizer("abc de")
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=tokenizer.vocab_size, block_size=16, n_layer=2, n_head=2, n_embd=16))
    model.eval()
    trace = lab.trace_gpt("abc de", model, tokenizer)
    numbers = lab.explorer_arrays(trace)
    n = trace.n_tokens
    assert numbers["weights"].shape == numbers["scores"].shape == (2, 2, n, n)
    assert numbers["head_out"].shape == numbers["q"].shape == (2, 2, n, 8)
    for layer in range(2):
        for head in range(2):
            steps = lab.attention_steps(trace, layer, head)
            np.testing.assert_allclose(numbers["scores"][layer, head], steps.scores, atol=1e-5)
            np.testing.assert_allclose(numbers["weights"][layer, head], trace[f"blocks.{layer}.attn.weights"][head])
    # A decoder: nothing above the diagonal, rows sum to one.
    upper = np.triu_indices(n, k=1)
    assert (numbers["weights"][..., upper[0], upper[1]] == 0).all()
    np.testing.assert_allclose(numbers["weights"].sum(-1), 1.0, atol=1e-5)
