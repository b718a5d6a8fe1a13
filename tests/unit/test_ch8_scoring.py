"""Chapter 8's scoring of methods, as the page shows it: calibration, method kinds, the one
weighted F1, report rows, the instruction tally, link parsing and uploads."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lm_core.analysis import ch8_lab as lab
from lm_core.analysis.prompting import LABELS, MAX_EXAMPLES, calibrate
from lm_core.core.errors import InputError
from lm_core.data.instructions import split_pairs

GOLD = ["positive", "positive", "negative", "neutral"]
BIASED = {  # says "positive" to everything; calibration removes the bias
    "probs": [[0.7, 0.2, 0.1], [0.8, 0.1, 0.1], [0.5, 0.4, 0.1], [0.5, 0.2, 0.3]],
    "content_free": [0.6, 0.25, 0.15],
    "examples": [],
}
TUNED = {"probs": [[0.9, 0.05, 0.05], [0.2, 0.7, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]], "content_free": None,
         "no_calibration": True}


def test_method_kinds_and_the_story_order():
    assert lab.method_kind("gpt:finetuned") == lab.method_kind("gpt:finetuned_own") == "finetune"
    assert lab.method_kind("gpt:few") == "prompt_gpt" and lab.method_kind("smollm2:zero") == "prompt_llm"
    assert set(map(lab.method_kind, lab.METHOD_ORDER)) == set(lab.METHOD_KINDS)
    methods = {"smollm2:few": {}, "gpt:zero": {}, "gpt:finetuned_own": {}, "other:thing": {}}
    assert lab.story_order(methods) == ["gpt:finetuned_own", "gpt:zero", "smollm2:few"]
    methods["tiny-qwen:zero"] = {}  # a configured model's prompt: after the shipped ones, an LLM's
    assert lab.story_order(methods)[-1] == "tiny-qwen:zero" and lab.method_kind("tiny-qwen:zero") == "prompt_llm"


def test_calibration_applies_to_prompts_only_and_when_possible():
    raw = lab.apply_calibration(BIASED, calibrated=False)
    np.testing.assert_allclose(raw, BIASED["probs"])
    np.testing.assert_allclose(lab.apply_calibration(BIASED, True), calibrate(raw, np.array(BIASED["content_free"])))
    np.testing.assert_allclose(lab.apply_calibration(TUNED, True), TUNED["probs"])  # nothing to divide by
    # A fine-tuned method is never calibrated, even when its entry holds content-free probabilities.
    np.testing.assert_allclose(lab.method_probs("gpt:finetuned", BIASED, True), BIASED["probs"])
    assert not np.allclose(lab.method_probs("gpt:zero", BIASED, True), BIASED["probs"])


def test_one_weighted_f1_for_every_method():
    methods = {"gpt:zero": BIASED, "gpt:finetuned_own": TUNED}
    plain = lab.evaluate_methods(methods, GOLD, calibrated=False)
    assert list(plain) == ["gpt:zero", "gpt:finetuned_own"]
    # Always "positive": F1 2/3 on the two positives (weight 1/2), 0 elsewhere.
    assert plain["gpt:zero"].weighted_f1 == pytest.approx(0.5 * (2 / 3))
    assert plain["gpt:zero"].confusion == [[2, 0, 0], [1, 0, 0], [1, 0, 0]]
    assert plain["gpt:finetuned_own"].weighted_f1 == lab.evaluate_probs(GOLD, np.array(TUNED["probs"])).weighted_f1
    calibrated = lab.evaluate_methods(methods, GOLD, calibrated=True)
    assert calibrated["gpt:zero"].weighted_f1 != plain["gpt:zero"].weighted_f1
    assert calibrated["gpt:finetuned_own"].weighted_f1 == plain["gpt:finetuned_own"].weighted_f1


def test_majority_baseline_and_report_rows():
    f1, share = lab.majority_baseline(GOLD)
    assert share == 0.5 and f1 == pytest.approx(0.5 * (2 / 3))
    rows = lab.report_rows(lab.evaluate_probs(GOLD, np.array(TUNED["probs"])))
    assert [row["label"] for row in rows] == [*LABELS, "weighted avg"]
    assert rows[0] == {"label": "positive", "precision": 1.0, "recall": 0.5, "f1": 0.667, "support": 2}
    assert rows[-1]["support"] == len(GOLD)


def test_shipped_and_own_methods_merge(tmp_path):
    results = {"en": {"methods": {"gpt:zero": BIASED, "gpt:few": BIASED}}}
    merged = lab.all_methods(results, "en", {"gpt:few": TUNED, "gpt:finetuned_own": TUNED})
    assert list(merged) == ["gpt:zero", "gpt:few", "gpt:finetuned_own"] and merged["gpt:few"] is TUNED
    assert lab.all_methods(results, "zh", {}) == {} and lab.shipped_methods({}, "en") == {}
    assert lab.load_results(tmp_path / "absent.json") == {}
    (tmp_path / "r.json").write_text(json.dumps(results), encoding="utf-8")
    assert lab.load_results(tmp_path / "r.json") == results


def test_shots_from_a_link():
    assert lab.parse_shots("3, 17,5", 20) == [3, 17, 5]
    assert lab.parse_shots("x,999999,-1,3,3,1e2", 20) == [3]
    assert lab.parse_shots(None, 20) == [] and lab.parse_shots("", 20) == []
    assert len(lab.parse_shots(",".join(map(str, range(20))), 20)) == MAX_EXAMPLES


def test_instruction_answers_marked_and_tallied():
    _, held = split_pairs("en")
    right = [pair.answer.strip() for pair in held]
    wrong_fact = [held[(i + 1) % len(held)].answer for i in range(len(held))]  # a fact, of another country
    assert lab.tally(right, held, "en") == {"right": len(held), "kind": len(held), "total": len(held)}
    counted = lab.tally([""] * len(held), held, "en")
    assert counted["right"] == counted["kind"] == 0
    assert lab.tally(wrong_fact, held, "en")["right"] < len(held)
    assert lab.marked("Tokyo.", " Tokyo.") == "✓ Tokyo." and lab.marked("", "Tokyo") == "✗ ∅"
    assert lab.marked("Paris", "Tokyo") == "✗ Paris"


def test_pretraining_corpora_and_upload_fingerprints():
    text = b"The cat sat on the mat. The dog ran home. A bird sang all day. The sun rose."
    sentences, lang, digest = lab.corpus_sentences("upload", text)
    assert lang == "en" and len(sentences) == 4 and digest == lab.upload_digest(text) and len(digest) == 16
    assert lab.upload_digest(text + b" ") != digest
    shipped, shipped_lang, none = lab.corpus_sentences("toy_en")
    assert shipped and shipped_lang == "en" and none is None
    with pytest.raises(InputError) as err:
        lab.corpus_sentences("upload", None)
    assert err.value.key == "errors.file.none_uploaded"
    with pytest.raises(InputError) as err:
        lab.corpus_sentences("upload", b"")
    assert err.value.key == "errors.file.empty"
