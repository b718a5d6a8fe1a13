"""Chapter 10's engines: the bias probe (pairs, scores, controls), verbatim recall of the tiny
GPT's training lines, and the energy of training. The tiny GPT is loaded once; SmolLM2's
numbers are read from the shipped table, never recomputed here."""

from __future__ import annotations

import difflib
import functools
import importlib.util
import math
import pickle

import pytest

from lm_core.analysis import bias_probe as probe
from lm_core.analysis import memorisation, training_energy
from lm_core.core.errors import InputError
from lm_core.core.paths import ASSETS_DIR
from lm_core.data.bias_pairs import CATEGORIES, CONTROL, KINDS, LANGUAGES, bias_pairs
from lm_core.models.checkpoints import load_gpt

RESULTS = ASSETS_DIR / "results" / "bias_probe.json"


@pytest.fixture(scope="module")
def tiny_en():
    model, tokenizer = load_gpt("gpt_toy_en")
    return model.eval().requires_grad_(False), tokenizer


@pytest.fixture(scope="module")
def shipped():
    return probe.load_results(RESULTS)


# --------------------------------------------------------------------------- the pairs


@pytest.mark.parametrize("lang", LANGUAGES)
def test_about_twenty_minimal_pairs_per_kind(lang):
    pairs = bias_pairs(lang)
    assert len({pair.id for pair in pairs}) == len(pairs)
    for kind in KINDS:
        assert 18 <= sum(pair.category == kind for pair in pairs) <= 25, kind
    for pair in pairs:
        a, b = (pair.a.split(), pair.b.split()) if lang == "en" else (list(pair.a), list(pair.b))
        matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
        kept = sum(block.size for block in matcher.get_matching_blocks())
        assert pair.a != pair.b and max(len(a), len(b)) - kept <= (1 if lang == "en" else 4), pair


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_tiny_gpt_reads_some_pairs_of_every_kind_and_not_the_rest(lang):
    pairs = bias_pairs(lang)
    for kind in KINDS:
        assert sum(probe.readable(p) for p in pairs if p.category == kind) >= 5, kind
    unknown = probe.unknown_words("The Nigerian banker counted the money." if lang == "en" else "尼日利亚银行家数钱。", lang)
    assert unknown  # words from outside the toy world are named


# --------------------------------------------------------------------------- scoring


def test_batched_scores_equal_one_sentence_at_a_time(tiny_en):
    model, tokenizer = tiny_en
    texts = ["The farmer said that he was tired.", "It rained.", "The nurse wore a red hat."]
    together = probe.sentence_scores(model, tokenizer, texts)
    for text, scored in zip(texts, together, strict=True):
        alone = probe.sentence_scores(model, tokenizer, [text])[0]
        assert scored["tokens"] == alone["tokens"] == len(tokenizer.encode(text))
        assert scored["total"] == pytest.approx(alone["total"], abs=1e-4)
        assert scored["per_token"] == pytest.approx(scored["total"] / scored["tokens"])
        assert scored["total"] < 0


def test_a_pair_and_its_mirror_have_opposite_differences(tiny_en):
    model, tokenizer = tiny_en
    one = probe.score_pair(model, tokenizer, "The king was happy.", "The queen was happy.")
    other = probe.score_pair(model, tokenizer, "The queen was happy.", "The king was happy.")
    for measure in probe.MEASURES:
        assert one[measure] == pytest.approx(-other[measure], abs=1e-5)


def test_empty_and_too_long_sentences_are_refused_with_a_message(tiny_en):
    model, tokenizer = tiny_en
    with pytest.raises(InputError) as empty:
        probe.score_pair(model, tokenizer, "  ", "The king was happy.")
    assert empty.value.key == "errors.text.empty"
    with pytest.raises(InputError) as long:
        probe.score_pair(model, tokenizer, "The king was happy. " * 20, "The king was happy.")
    assert long.value.key == "errors.text.prompt_too_long"


def test_summary_counts_pairs_beyond_the_control_spread():
    control = [0.1, -0.2, 0.3, -0.1, 0.0, 0.2, -0.3, 0.1, 0.2, 1.0]
    spread = probe.control_spread(control)
    assert spread == pytest.approx(0.37)  # the 90th percentile of |control|
    row = probe.summarise([2.0, 0.5, -1.0, 0.1], control)
    assert (row["n"], row["prefers_a"], row["prefers_b"]) == (4, 2, 1)
    assert row["mean"] == pytest.approx(0.4)
    assert math.isnan(probe.summarise([1.0], [])["spread"])


def test_jobs_pickle_and_name_what_they_load():
    for job in (functools.partial(probe.model_table_job, "gpt_toy_en", "en"),
                functools.partial(probe.pair_job, "smollm2", "a", "b"),
                functools.partial(memorisation.memorisation_job, "en", 5, 0)):
        assert pickle.loads(pickle.dumps(job)).func is job.func


# --------------------------------------------------------------------------- the shipped table


def test_shipped_table_covers_both_languages_and_matches_the_pairs(shipped, tiny_en):
    for lang in LANGUAGES:
        pairs = {pair.id: pair for pair in bias_pairs(lang)}
        smol = shipped["models"][probe.SMOLLM2][lang]
        assert set(smol["scores"]) == set(pairs) and not smol["unreadable"]
        tiny = shipped["models"][probe.TINY_GPT[lang]][lang]
        assert set(tiny["scores"]) == {i for i, p in pairs.items() if probe.readable(p)}
        assert set(tiny["unreadable"]) == set(pairs) - set(tiny["scores"])
        summary = probe.summary_table(smol, lang)
        assert set(summary) == set(CATEGORIES) and all(row["n"] == 20 for row in summary.values())
    model, tokenizer = tiny_en  # the tiny GPT's shipped numbers are what it computes now
    first = next(p for p in bias_pairs("en") if probe.readable(p) and p.category == CONTROL)
    now = probe.score_pairs(model, tokenizer, [first])[first.id]
    assert now["a"]["total"] == pytest.approx(shipped["models"]["gpt_toy_en"]["en"]["scores"][first.id]["a"]["total"],
                                              abs=1e-3)


# --------------------------------------------------------------------------- memorisation


def test_train_split_is_the_training_scripts():
    spec = importlib.util.spec_from_file_location("train_gpt", ASSETS_DIR.parent / "scripts" / "train_gpt.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    lines = [f"line {i}" for i in range(57)]
    assert memorisation.train_split(lines, 1337) == script.split_sentences(lines, 1337)


def test_held_out_lines_are_new_and_training_lines_were_trained_on():
    corpus = set(memorisation._corpus("en"))
    held = memorisation.held_out_lines("en", 10, 0)
    assert len(held) == 10 and not corpus & set(held)
    train, _ = memorisation.train_split(memorisation._corpus("en"), 1337)
    for line, times in memorisation.training_lines("en", 10, 0, 1337):
        assert train.count(line) == times >= 1


def test_greedy_completion_compares_the_second_half(tiny_en):
    model, tokenizer = tiny_en
    done = memorisation.complete(model, tokenizer, "It rained this morning.")
    assert done["tokens"] == len(tokenizer.encode("It rained this morning.")) - len(tokenizer.encode("It rained this morning.")) // 2
    assert 0.0 <= done["token_accuracy"] <= 1.0 and done["exact"] == (done["token_accuracy"] == 1.0)
    with pytest.raises(InputError):
        memorisation.complete(model, tokenizer, "I")


def test_shipped_recall_training_lines_beat_new_lines(shipped):
    for lang in LANGUAGES:
        table = shipped["memorisation"][lang]
        assert table["train"]["n"] == table["held_out"]["n"] >= 100
        assert table["train"]["exact"] > table["held_out"]["exact"]
        assert table["seen_often"]["exact"] > table["seen_once"]["exact"]


# --------------------------------------------------------------------------- energy


def test_training_energy_follows_six_n_d_and_the_stated_assumptions():
    rows = {row["key"]: row for row in training_energy.cost_table()}
    assert rows["gpt3"]["flops"] == pytest.approx(6 * 175e9 * 300e9)
    stated = training_energy.assumptions()
    hours = rows["gpt3"]["flops"] / (stated["peak_tflops"] * 1e12 * stated["utilisation"]) / 3600
    assert rows["gpt3"]["hours"] == pytest.approx(hours)
    assert rows["gpt3"]["kwh"] == pytest.approx(hours * stated["watts"] / 1000)
    assert rows["smollm2_135m"]["tokens"] == 2e12
    tiny = training_energy.tiny_cost("gpt_toy_en")
    assert tiny.tokens == 800 * 32 * 64 and tiny.measured_seconds > 0
    assert rows["gpt_toy_en"]["kwh"] < 1e-3 < rows["smollm2_135m"]["kwh"] < rows["gpt3"]["kwh"]
