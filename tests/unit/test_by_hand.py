"""Chapter 5's by-hand model: forward and backward against torch, rounding, the JSON file, the
link's edits, the training script's reproducibility, and the browser's arithmetic (run with node)."""

import json
import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch

from lm_core.core.errors import InputError
from lm_core.models import by_hand

ROOT = Path(__file__).resolve().parents[2]
MATH_JS = ROOT / "viz" / "by_hand" / "by_hand_math.js"


@pytest.fixture(scope="module")
def model():
    return by_hand.load_shipped("en")


def test_shipped_models_predict_the_example_and_use_two_decimals():
    for lang in by_hand.LANGUAGES:
        model = by_hand.load_shipped(lang)
        sentence, expected = by_hand.EXAMPLE[lang]
        assert by_hand.predict(model, sentence)[0] == expected
        for name, value in model.weights.items():
            assert value.shape == by_hand.shapes(len(model.words))[name]
            assert np.array_equal(value, by_hand.round_to(value, by_hand.SHIPPED_DECIMALS)), name
        assert 6 <= len(model.words) <= 10


def test_forward_matches_torch_layers(model):
    ids = model.ids(["it", "rained", "this"])
    steps = by_hand.forward(model.weights, ids)
    w = {name: torch.tensor(value) for name, value in model.weights.items()}
    x = w["E"][ids] + w["P"][:3]
    q, k, v = x @ w["WQ"], x @ w["WK"], x @ w["WV"]
    mask = torch.ones(3, 3, dtype=torch.bool).tril()
    mixed = torch.nn.functional.scaled_dot_product_attention(q[None], k[None], v[None], attn_mask=mask)[0]
    resid = x + mixed @ w["WO"]
    out = resid + torch.relu(resid @ w["W1"] + w["b1"]) @ w["W2"]
    torch.testing.assert_close(steps["mixed"], mixed, rtol=0, atol=1e-12)
    torch.testing.assert_close(steps["logits"], out @ w["Wout"], rtol=0, atol=1e-12)
    assert torch.isinf(steps["masked"][0, 1]) and steps["attention"][0, 1] == 0
    torch.testing.assert_close(steps["attention"].sum(-1), torch.ones(3, dtype=torch.float64))
    assert torch.equal(steps["scaled"], steps["scores"] / 2)  # √4


def test_gradients_match_finite_differences(model):
    ids, target = model.ids(["it", "rains"]), model.words.index("every")
    value, grads = by_hand.gradients(model, ids, target)
    assert value == pytest.approx(-math.log(by_hand.predict(model, ["it", "rains"])[1][target]))
    for name, (row, col) in [("WQ", (1, 2)), ("E", (2, 0)), ("b1", (None, 3)), ("Wout", (0, 4))]:
        nudged = model.copy()
        where = (col,) if row is None else (row, col)
        nudged.weights[name][where] += 1e-6
        numeric = (float(by_hand.loss(nudged.weights, ids, target)) - value) / 1e-6
        assert grads[name][where] == pytest.approx(numeric, abs=1e-4), name


def test_a_step_lowers_the_loss_and_rounds_to_four_decimals(model):
    ids, target = model.ids(["it", "rained", "this"]), model.words.index("evening")
    before, grads = by_hand.gradients(model, ids, target)
    stepped = by_hand.take_step(model, grads, 0.5)
    after = float(by_hand.loss(stepped.weights, ids, target))
    assert after < before
    for value in stepped.weights.values():
        assert np.array_equal(value, by_hand.round_to(value, by_hand.STEP_DECIMALS))
    wild = by_hand.take_step(model, {name: grad * 1e6 for name, grad in grads.items()}, 1.0)
    assert max(np.abs(value).max() for value in wild.weights.values()) == by_hand.LIMIT  # a link can carry it


def test_rounding_is_half_up_and_the_json_round_trips(model):
    assert by_hand.round_to(0.125, 2) == 0.13 and by_hand.round_to(-0.125, 2) == -0.12
    again = by_hand.from_json(by_hand.to_json(model))
    assert again.words == model.words
    assert all(np.array_equal(again.weights[n], model.weights[n]) for n in model.weights)
    assert json.loads(by_hand.to_json(model))["weights"]["b1"] == model.weights["b1"].tolist()


def test_edits_round_trip_through_the_link_and_tampering_is_refused(model):
    edited = model.copy()
    edited.weights["WK"][1, 2] = 1.5
    edited.weights["b1"][3] = -0.0625
    text = by_hand.encode_edits(model, edited)
    assert text == "WK.1.2:1.5,b1.0.3:-0.0625"
    again = by_hand.parse_edits(model, text)
    assert all(np.array_equal(again.weights[n], edited.weights[n]) for n in model.weights)
    for bad in ["WK.9.9:1", "XX.0.0:1", "WK.0.0:abc", "WK.0.0:1e308", "WK.0.0:150", "<script>", "WK.0.0:nan"]:
        with pytest.raises(InputError) as caught:
            by_hand.parse_edits(model, bad)
        assert caught.value.key.startswith("errors.edited_model.")
    assert by_hand.parse_words(model, "0.1.3") == [0, 1, 3]
    for bad in ["", "0.99", "a.b", "0.1.2.3.4.5"]:
        with pytest.raises(InputError):
            by_hand.parse_words(model, bad)


def test_the_training_script_rewrites_the_shipped_weights_exactly(tmp_path):
    """A rerun of scripts/train_by_hand.py gives the shipped file byte for byte (one language
    keeps it short: the other is trained by the same code)."""
    from scripts.train_by_hand import main

    assert main(["--out", str(tmp_path), "zh"]) == 0
    shipped = by_hand.shipped_path("zh").read_text(encoding="utf-8")
    assert (tmp_path / "by_hand_zh.json").read_text(encoding="utf-8") == shipped


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_browser_arithmetic_matches_pytorch_forward_and_backward():
    """The component's own JavaScript, run by node on the same numbers: every intermediate,
    the loss, every gradient and the stepped weights agree with PyTorch to 1e-6."""
    cases = []
    for lang, sentence, target, rate in [("en", ["it", "rained", "this"], "evening", 0.01),
                                         ("zh", ["每天", "早上", "都", "下雨", "。"], "了", 0.01)]:
        model = by_hand.load_shipped(lang)
        model.weights["WK"][0, 1] = 1.25  # an edited model, as a learner leaves it
        cases.append((model, model.ids(sentence), model.words.index(target), rate))
    driver = (
        f"const M = require({json.dumps(str(MATH_JS))});"
        "const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "const out = cases.map(([W, ids, target, rate]) => { const s = M.forward(W, ids);"
        " const g = M.backward(W, ids, s, target); const stepped = M.step(W, g, rate);"
        " for (const k of Object.keys(s)) s[k] = s[k].map((r) => r.map((v) => (v === -Infinity ? null : v)));"
        " return { steps: s, loss: M.loss(s, target), grads: g, stepped,"
        "   after: M.loss(M.forward(stepped, ids), target) }; });"
        "process.stdout.write(JSON.stringify(out));"
    )
    payload = json.dumps([[{n: v.tolist() for n, v in m.weights.items()}, ids, t, r] for m, ids, t, r in cases])
    result = subprocess.run(["node", "-e", driver], input=payload, capture_output=True, text=True, timeout=60,
                            check=True)
    for (model, ids, target, rate), browser in zip(cases, json.loads(result.stdout), strict=True):
        steps = by_hand.forward(model.weights, ids)
        for name, tensor in steps.items():
            got = np.array([[-np.inf if v is None else v for v in row] for row in browser["steps"][name]])
            np.testing.assert_allclose(got, tensor.numpy(), atol=1e-6, rtol=0, err_msg=name)
        value, grads = by_hand.gradients(model, ids, target)
        assert browser["loss"] == pytest.approx(value, abs=1e-6)
        for name, grad in grads.items():
            np.testing.assert_allclose(np.array(browser["grads"][name]), grad, atol=1e-6, rtol=0, err_msg=name)
        stepped = by_hand.take_step(model, grads, rate)
        for name, weight in stepped.weights.items():
            np.testing.assert_allclose(np.array(browser["stepped"][name]), weight, atol=1e-6, rtol=0, err_msg=name)
        assert browser["after"] == pytest.approx(float(by_hand.loss(stepped.weights, ids, target)), abs=1e-6)
        assert browser["after"] < browser["loss"]
