"""Chapter 8 engine: prompts, label probabilities, calibration, prefix cache, metrics,
fine-tuning, scaling fit, and the shipped weights never changing."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
import torch

from lm_core.analysis import ch8_lab
from lm_core.analysis.evaluation import evaluate, fit_power_law
from lm_core.analysis.prompting import (
    LABELS,
    MAX_EXAMPLES,
    GPTScorer,
    build_prompt,
    calibrate,
    content_free_probs,
    pick_examples,
    score_texts,
    score_texts_reference,
)
from lm_core.core.errors import InputError
from lm_core.data.instructions import instruction_pairs, split_pairs
from lm_core.models.gpt import GPT, GPTConfig
from lm_core.tokenizers.lm import CharTokenizer
from lm_core.train.finetune import FinetuneConfig, encode_pairs, finetune, make_batch, trainable_copy
from lm_core.train.pretrain import make_gpt, prepare_data

TRAIN = [
    ("Sales rose sharply.", "positive"),
    ("Profit fell.", "negative"),
    ("The meeting is on Monday.", "neutral"),
    ("Orders doubled.", "positive"),
    ("The plant will close.", "negative"),
]
TEST_TEXTS = ["Revenue climbed.", "Losses widened.", "Shares were flat."]


@pytest.fixture(scope="module")
def tiny():
    """A small random GPT over the characters of the English prompt (fast, deterministic)."""
    parts = build_prompt("en", TRAIN)
    text = parts.full("") + "".join(t for t, _ in TRAIN) + "".join(TEST_TEXTS) + "N/A" + " ".join(parts.label_words)
    tokenizer = CharTokenizer.train([text])
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=tokenizer.vocab_size, block_size=512, n_layer=1, n_head=2, n_embd=32))
    model.eval().requires_grad_(False)
    return model, tokenizer


def test_prompt_modes_examples_and_order():
    zero = build_prompt("en", [])
    assert "Sentence:" in zero.prefix and zero.suffix.endswith("Sentiment:")
    assert zero.label_words == (" positive", " negative", " neutral")
    ordered = build_prompt("en", [TRAIN[2], TRAIN[0]])
    assert ordered.prefix.index(TRAIN[2][0]) < ordered.prefix.index(TRAIN[0][0])
    assert "Sentiment: neutral" in ordered.prefix
    full = ordered.full("Hello <b>x</b>")
    assert full.startswith(ordered.prefix) and "Hello <b>x</b>" in full
    zh = build_prompt("zh", [("利润增长。", "positive")])
    assert "情感：正面" in zh.prefix and zh.label_words == ("正面", "负面", "中性")
    chat = build_prompt("en", [], chat=lambda message: f"<user>{message}<end><assistant>")
    assert chat.suffix.endswith("<end><assistant>") and chat.label_words == ("positive", "negative", "neutral")


def test_pick_examples_and_bad_choices():
    assert pick_examples(TRAIN, "zero") == []
    assert pick_examples(TRAIN, "one") == [0]
    per_class = pick_examples(TRAIN, "per_class")
    assert [TRAIN[i][1] for i in per_class] == list(LABELS)
    assert pick_examples(TRAIN, "few", chosen=[4, 1]) == [4, 1]
    assert [TRAIN[i][1] for i in pick_examples(TRAIN, "few", k=3)] == list(LABELS)
    with pytest.raises(InputError) as err:
        pick_examples(TRAIN, "few", chosen=[])
    assert err.value.key == "errors.labels.no_examples"
    with pytest.raises(InputError) as err:
        pick_examples(TRAIN[:2], "per_class")
    assert err.value.key == "errors.labels.missing"
    with pytest.raises(InputError):
        pick_examples(TRAIN, "few", chosen=list(range(MAX_EXAMPLES + 1)) * 2)
    with pytest.raises(InputError):
        pick_examples(TRAIN, "mystery")


def test_label_probabilities_prefix_cache_matches_no_cache(tiny):
    model, tokenizer = tiny
    scorer = GPTScorer(model, tokenizer)
    parts = build_prompt("en", TRAIN[:3])
    cached = score_texts(scorer, parts, TEST_TEXTS, reuse_prefix=True)
    fresh = score_texts(scorer, parts, TEST_TEXTS, reuse_prefix=False)
    reference = score_texts_reference(scorer, parts, TEST_TEXTS)
    assert cached.shape == (3, 3)
    np.testing.assert_allclose(cached.sum(axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(cached, fresh, atol=1e-5)
    np.testing.assert_allclose(cached, reference, atol=1e-5)  # multi-token labels summed correctly
    # A different prompt gives different probabilities (the scorer does read the prompt).
    other = score_texts(scorer, build_prompt("en", []), TEST_TEXTS)
    assert not np.allclose(other, cached)


def test_calibration_divides_by_content_free(tiny):
    probs = np.array([[0.7, 0.2, 0.1], [0.5, 0.3, 0.2]])
    content_free = np.array([0.7, 0.2, 0.1])
    calibrated = calibrate(probs, content_free)
    np.testing.assert_allclose(calibrated[0], [1 / 3] * 3)
    np.testing.assert_allclose(calibrated.sum(axis=1), 1.0)
    assert calibrated[1].argmax() != probs[1].argmax()  # the bias towards "positive" is removed
    model, tokenizer = tiny
    cf = content_free_probs(GPTScorer(model, tokenizer), build_prompt("en", TRAIN[:1]))
    assert cf.shape == (3,) and abs(cf.sum() - 1) < 1e-6


def test_prompt_too_long_for_the_window(tiny):
    model, tokenizer = tiny
    small = GPT(GPTConfig(vocab_size=tokenizer.vocab_size, block_size=32, n_layer=1, n_head=2, n_embd=32))
    with pytest.raises(InputError) as err:
        score_texts(GPTScorer(small.eval(), tokenizer), build_prompt("en", TRAIN), TEST_TEXTS)
    assert err.value.key == "errors.text.prompt_too_long"


def test_metrics_confusion_report_weighted_f1():
    gold = ["positive", "positive", "negative", "neutral"]
    pred = ["positive", "negative", "negative", "positive"]
    ev = evaluate(gold, pred, LABELS)
    assert ev.confusion == [[1, 1, 0], [0, 1, 0], [1, 0, 0]]
    # per-class F1: positive 0.5, negative 2/3, neutral 0; weights 2/4, 1/4, 1/4
    assert ev.weighted_f1 == pytest.approx(0.5 * 0.5 + 0.25 * (2 / 3) + 0.0)
    assert ev.accuracy == 0.5 and "precision" in ev.report_text
    with pytest.raises(InputError) as err:
        evaluate(["positive", "negative"], ["positive", "positive"], LABELS)
    assert err.value.key == "errors.labels.missing"


def test_power_law_fit_recovers_exponent():
    compute = np.logspace(10, 14, 8)
    a, b = fit_power_law(compute, 50 * compute**-0.08)
    assert b == pytest.approx(0.08, rel=1e-6) and a == pytest.approx(50, rel=1e-6)
    runs = [
        ch8_lab.ScalingRun("s", 10, 1.0, 3, [(1.0, 5.0), (2.0, 4.0), (3.0, 4.5)]),
        ch8_lab.ScalingRun("l", 20, 2.0, 2, [(2.0, 4.2), (4.0, 3.0)]),
    ]
    assert ch8_lab.compute_frontier(runs) == [(1.0, 5.0), (2.0, 4.0), (4.0, 3.0)]


def answer_loss(model, pairs) -> float:
    """Mean loss on the answer tokens of ``pairs`` (prompt positions are masked by make_batch)."""
    was_training = model.training
    model.eval()
    with torch.no_grad():
        loss = float(model.loss(*make_batch(pairs)))
    model.train(was_training)
    return loss


def test_finetuning_a_few_steps_lowers_the_answer_loss(tiny):
    model, tokenizer = tiny
    scorer = GPTScorer(model, tokenizer)
    pairs = encode_pairs(scorer.encode, ch8_lab.sentiment_pairs("en", TRAIN), tokenizer.eos_id, 512)
    own = trainable_copy(model)
    before = answer_loss(own, pairs)
    result = finetune(own, pairs, FinetuneConfig(steps=12, batch_size=5, learning_rate=3e-3, warmup_steps=1))
    assert result.steps == 12 and len(result.losses) == 12
    assert answer_loss(own, pairs) < before - 0.3
    # The shared model is untouched and still frozen.
    assert all(not p.requires_grad for p in model.parameters())
    assert not torch.equal(own.lm_head.weight, model.lm_head.weight)


def test_instruction_pairs_hold_out_whole_countries():
    for lang in ("en", "zh"):
        tuning, held = split_pairs(lang)
        assert len(tuning) + len(held) == len(instruction_pairs(lang)) and held
        assert not {p.country for p in tuning} & {p.country for p in held}
    assert any(
        p.prompt == "Question: What is the capital of Japan? Answer:" and p.answer == " Tokyo."
        for p in instruction_pairs("en")
    )


def test_bad_sizes_and_tiny_corpora():
    with pytest.raises(InputError) as err:
        make_gpt("xxl", 100)
    assert err.value.key == "errors.setting.unknown_size"
    with pytest.raises(InputError) as err:
        prepare_data(["one two.", "three four.", "five six."], "en")
    assert err.value.key == "errors.corpus.too_small_to_pretrain"


def _digest(model) -> str:
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().numpy().tobytes())
    return digest.hexdigest()


def test_training_a_session_copy_leaves_the_shipped_weights_unchanged():
    path = ch8_lab.CHECKPOINT_DIR / "ch8_base_en" / "model.safetensors"
    file_before = hashlib.sha256(path.read_bytes()).hexdigest()
    model, tokenizer = ch8_lab.load_base("en")
    weights_before = _digest(model)
    own, result = ch8_lab.finetune_sentiment(model, tokenizer, "en", FinetuneConfig(steps=2, batch_size=4))
    tuned, _ = ch8_lab.instruction_tune(model, tokenizer, "en", FinetuneConfig(steps=2, batch_size=4))
    assert result.steps == 2 and _digest(own) != weights_before and _digest(tuned) != weights_before
    assert _digest(model) == weights_before
    assert hashlib.sha256(path.read_bytes()).hexdigest() == file_before


def test_bad_uploads_give_input_errors():
    from lm_core.core.text import decode_upload
    from lm_core.train.pretrain import upload_sentences

    for data, key in ((b"", "errors.file.empty"), (b"\x00\x01\x02binary\x00", "errors.file.not_text")):
        with pytest.raises(InputError) as err:
            decode_upload(data)
        assert err.value.key == key
    with pytest.raises(InputError) as err:
        upload_sentences(decode_upload(b"Too short."))
    assert err.value.key == "errors.corpus.too_small_to_pretrain"
    sentences, lang = upload_sentences(decode_upload(b"The cat sat on the mat. The dog ran home. A bird sang all day."))
    assert lang == "en" and len(sentences) == 3
    with pytest.raises(InputError) as err:
        prepare_data(sentences, lang)
    assert err.value.key == "errors.corpus.too_small_to_pretrain"


RESULTS = ch8_lab.CHECKPOINT_DIR.parent / "results" / "ch8_results.json"


def test_shipped_results_recompute_on_a_subset():
    """The precomputed probabilities are what the shipped base model gives (first sentences)."""
    import json

    results = json.loads(RESULTS.read_text(encoding="utf-8"))
    model, tokenizer = ch8_lab.load_base("en")
    _, test_split = ch8_lab.sentiment_splits("en")
    for mode in ("zero", "per_class"):
        stored = results["en"]["methods"][f"gpt:{mode}"]
        outcome = ch8_lab.prompt_probs(GPTScorer(model, tokenizer), "en", mode, texts=[t for t, _ in test_split[:5]])
        np.testing.assert_allclose(outcome.probs, np.asarray(stored["probs"])[:5], atol=2e-3)
        assert outcome.examples == stored["examples"]
    assert results["en"]["gold"] == [label for _, label in test_split]
    scaling = results["scaling"]
    a, b = fit_power_law([c for c, _ in scaling["frontier"]], [loss for _, loss in scaling["frontier"]])
    assert b == pytest.approx(scaling["fit_compute"]["b"], rel=1e-3) and b > 0  # stored rounded
