"""Chapter 10's chain of thought: the addition task and its scratchpad, scoring, the held-out
split, byte-identical training, the shipped checkpoints and results, SmolLM2's scoring."""

from __future__ import annotations

import functools
import pickle

import pytest

from lm_core.analysis import cot_smollm2, reasoning
from lm_core.core.errors import InputError
from lm_core.core.paths import ASSETS_DIR, CHECKPOINT_DIR
from lm_core.data import arithmetic
from lm_core.data.arithmetic import Problem

TINY = reasoning.CotConfig(steps=3, batch_size=4, n_embd=16, n_head=2, n_layer=1, train_problems=200, test_per_digit=3)


def test_the_scratchpad_writes_each_digit_with_its_carry_then_the_answer():
    assert Problem(123, 489).target("direct") == "612"
    assert Problem(123, 489).target("scratchpad") == "3+9+0=12;2+8+1=11;1+4+1=06→612"
    # Numbers of different lengths: the shorter one is padded with zeros; a final carry adds a digit.
    assert Problem(5, 98).target("scratchpad") == "5+8+0=13;0+9+1=10→103"
    assert Problem(0, 0).target("scratchpad") == "0+0+0=00→0"
    for problem in (Problem(99999, 1), Problem(4789, 3546), Problem(7, 12345)):
        kept = "".join(step[-1] for step in problem.steps())[::-1]
        carry = problem.steps()[-1][-2]
        assert str(int(carry + kept)) == problem.answer  # the answer is read back from the steps


def test_answers_are_scored_by_exact_match():
    problem = Problem(123, 489)
    assert arithmetic.is_correct(problem, "3+9+0=12;2+8+1=11;1+4+1=06→612", "scratchpad")
    assert not arithmetic.is_correct(problem, "3+9+0=12;2+8+1=11;1+4+1=06→6120", "scratchpad")
    assert not arithmetic.is_correct(problem, "3+9+0=12;2+8+1=11", "scratchpad")  # never reached the answer
    assert arithmetic.is_correct(problem, "612", "direct") and not arithmetic.is_correct(problem, "61", "direct")
    assert arithmetic.accuracy_by_digits([Problem(1, 2), Problem(10, 2), Problem(3, 4)], [True, False, False]) == {
        1: 0.5,
        2: 0.0,
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [("123+489", Problem(123, 489)), (" 4789 + 3546 = ", Problem(4789, 3546)), ("007+5=", Problem(7, 5))],
)
def test_a_learners_problem_is_read(text, expected):
    assert arithmetic.parse_question(text) == expected


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "errors.addition.empty"),
        ("   ", "errors.addition.empty"),
        ("1+2+3", "errors.addition.not_addition"),
        ("-5+3", "errors.addition.not_addition"),
        ("12*3", "errors.addition.not_addition"),
        ("<script>alert(1)</script>", "errors.addition.not_addition"),
        ("１２+３", "errors.addition.not_addition"),  # full-width digits are not what the models read
        ("123456+1", "errors.addition.too_long"),
    ],
)
def test_anything_but_a_short_addition_is_refused_with_a_message(text, key):
    with pytest.raises(InputError) as caught:
        arithmetic.parse_question(text)
    assert caught.value.key == key


def test_held_out_problems_never_appear_in_training():
    config = reasoning.CotConfig(train_problems=3000, test_per_digit=40)
    train, test = reasoning.split(config)
    assert not set(train) & set(test)
    assert {p.digits for p in test} == {1, 2, 3, 4, 5} and {p.digits for p in train} == {1, 2, 3, 4}
    assert sum(p.digits == 1 for p in test) == 30  # seventy one-digit sums are left for training
    assert reasoning.split(config) == (train, test)  # drawn with the seed: the same every time


def test_training_twice_writes_byte_identical_files(tmp_path):
    """The script's own function, twice, on a tiny configuration (seconds: it scores untrained
    models, whose answers run to the longest length); the full run was compared by ``cmp``."""
    from scripts.train_cot import COT_RESULTS, train_models

    written = []
    for run in ("a", "b"):
        train_models(TINY, tmp_path / run / "checkpoints", tmp_path / run / "results", log=lambda _: None)
        written.append({p.relative_to(tmp_path / run): p.read_bytes() for p in sorted((tmp_path / run).rglob("*.*"))})
    assert written[0] == written[1]
    names = {str(name) for name in written[0]}
    assert f"results/{COT_RESULTS}" in names and "checkpoints/cot_scratchpad/model.safetensors" in names


def test_both_models_see_the_same_problems_and_the_same_start():
    trained = reasoning.train_pair(TINY)
    assert trained.steps == TINY.steps and [s for s, _ in trained.losses["direct"]] == [1, 2, 3]
    assert trained.tokens_seen["scratchpad"] > 2 * trained.tokens_seen["direct"]  # the steps are the extra writing
    direct, scratch = (trained.models[fmt].num_parameters() for fmt in arithmetic.FORMATS)
    assert direct == scratch


def test_the_live_job_is_picklable_and_reports_both_models():
    job = functools.partial(reasoning.training_job, 2, 0)
    assert pickle.loads(pickle.dumps(job)).args == (2, 0)
    reports = []
    result = job(reports.append, lambda: False)
    assert {r["fmt"] for r in reports} == {"direct", "scratchpad"} and len(reports) == 4
    assert result["steps"] == 2 and set(result["accuracy"]) == {"direct", "scratchpad"}
    pickle.dumps(result)


def test_the_shipped_models_and_results_are_there_and_steps_win_clearly():
    import json

    from lm_core.models.checkpoints import load_checkpoint

    results = json.loads((ASSETS_DIR / "results" / "ch10_cot.json").read_text(encoding="utf-8"))
    assert reasoning.margin(results) >= 0.3  # the page states the margin; the test split shows it
    four = results["accuracy"]
    assert four["scratchpad"]["4"] > four["direct"]["4"] + 0.3
    model, tokenizer = load_checkpoint(CHECKPOINT_DIR / reasoning.CHECKPOINTS["scratchpad"])
    written = reasoning.solve_one(model, tokenizer, Problem(123, 489), "scratchpad")
    assert reasoning.completion_text(written, tokenizer) == Problem(123, 489).target("scratchpad")
    assert all(0.0 < p <= 1.0 for _, p in written)
    smol = json.loads((ASSETS_DIR / "results" / "ch10_smollm2.json").read_text(encoding="utf-8"))
    assert smol["count"] == len(smol["problems"]) == 20 and set(smol["accuracy"]) == set(cot_smollm2.MODES)


def test_smollm2_replies_are_read_honestly():
    assert cot_smollm2.reply_number("612") == "612"
    assert cot_smollm2.reply_number("1 + 3 = 4") == "4"  # the question repeated, then the answer
    assert cot_smollm2.reply_number("The answer is 1,234.") == "1234"
    assert cot_smollm2.reply_number("3 + 9 = 12, carry 1 ... so 123 + 489 = 612") == "612"
    assert cot_smollm2.reply_number("I cannot say.") == ""
    assert cot_smollm2.prompt_text(Problem(12, 3), "step").endswith("Let's think step by step.")
    problems = cot_smollm2.smollm2_problems()
    assert len(problems) == 20 and sorted({p.digits for p in problems}) == [1, 2, 3, 4]


def test_the_questions_answers_come_from_the_numbers():
    results = {"accuracy": {"direct": {"4": 0.05}, "scratchpad": {"4": 0.9}}}
    assert reasoning.who_wins(results, 4).correct == {"scratchpad"}
    results["accuracy"]["direct"]["4"] = 0.9
    assert reasoning.who_wins(results, 4).correct == {"same"}
    assert reasoning.who_solves({"direct": False, "scratchpad": True}).correct == {"scratchpad"}
    assert reasoning.who_solves({"direct": False, "scratchpad": False}).correct == {"neither"}
    smol = {"accuracy": {"direct": 0.1, "step": 0.05}, "count": 20}
    assert cot_smollm2.step_helps(smol).correct == {"fewer"} and cot_smollm2.step_helps(smol).facts["step"] == 1


def test_the_figures_show_both_models_and_mark_the_held_out_digits():
    from viz import ch10

    labels = {"direct": "A", "scratchpad": "B", "title": "t", "x": "x", "y": "y", "held_out": "<b>new</b>"}
    fig = ch10.accuracy_figure([1, 2, 5], {"direct": [1, 0.5, 0], "scratchpad": [1, 1, 0.1]}, labels, held_out=5)
    assert [trace.name for trace in fig.data] == ["A", "B"] and len(fig.layout.shapes) == 1
    assert "<b>" not in fig.layout.annotations[0].text  # labels are shown literally
    smol = ch10.smollm2_figure({"direct": 0.1, "step": 0.0}, {"direct": "D", "step": "S", "x": "x"})
    assert list(smol.data[0].x) == [0.1, 0.0]


def test_a_damaged_checkpoint_names_the_script_that_rebuilds_it(tmp_path, monkeypatch):
    import shutil

    from ui import models

    shutil.copytree(CHECKPOINT_DIR / "cot_direct", tmp_path / "cot_direct")
    (tmp_path / "cot_direct" / "model.safetensors").write_bytes(b"truncated")
    monkeypatch.setattr(models, "CHECKPOINT_DIR", tmp_path)
    models.cot_gpt.clear()
    try:
        with pytest.raises(InputError) as caught:
            models.cot_gpt("direct")
        assert caught.value.key == models.BROKEN and caught.value.params["script"] == "scripts/train_cot.py models"
    finally:
        models.cot_gpt.clear()


def test_smollm2_answers_one_problem_as_a_picklable_job():
    """SmolLM2 is loaded once per process (other unit tests load it too); 16 tokens at most."""
    job = functools.partial(cot_smollm2.smollm2_job, 57, 68, "direct")
    result = pickle.loads(pickle.dumps(job))(lambda report: None, lambda: False)
    assert result["prompt"] == "What is 57 + 68? Reply with the number only."
    assert 0 < len(result["tokens"]) == len(result["probs"]) <= cot_smollm2.MAX_NEW["direct"]
    assert result["correct"] == (result["read"] == "125")
    pickle.dumps(result)
