"""SmolLM2 on chapter 10's additions: asked for the answer directly, or to "think step by step".

The same kind of problem the tiny GPTs learn (:mod:`lm_core.data.arithmetic`), asked in
English (the language SmolLM2 was mostly trained on) through its chat template, greedy
decoding. Scored the same way both times: a reply counts when the last number in it is the
sum (where an answer ends, whether it was worked out or given at once: "1 + 3 = 4" gives 4).
Separators inside a number ("1,234") are read as part of it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from lm_core.analysis.quiz import Answer
from lm_core.data.arithmetic import Problem, held_out_problems

#: The two ways of asking: the question alone, and the question with the classic nudge.
PROMPTS = {
    "direct": "What is {a} + {b}? Reply with the number only.",
    "step": "What is {a} + {b}? Let's think step by step.",
}
MODES = tuple(PROMPTS)
MAX_NEW = {"direct": 16, "step": 160}
_NUMBER = re.compile(r"[0-9](?:[0-9,]*[0-9])?")


def prompt_text(problem: Problem, mode: str) -> str:
    """The user's turn for ``problem`` in ``mode`` ("direct" or "step")."""
    return PROMPTS[mode].format(a=problem.a, b=problem.b)


def reply_number(reply: str) -> str:
    """The number a reply gives as its answer: the last one in it ("" when there is none)."""
    numbers = [match.replace(",", "") for match in _NUMBER.findall(reply)]
    return numbers[-1] if numbers else ""


def smollm2_problems(per_digit: int = 5, seed: int = 0) -> list[Problem]:
    """The problems SmolLM2 is scored on: ``per_digit`` for each of one to four digits."""
    return held_out_problems(per_digit, seed + 10_000, digits=(1, 2, 3, 4))


def answer(model, tokenizer, problem: Problem, mode: str) -> list[tuple[str, float]]:  # noqa: ANN001
    """SmolLM2's greedy reply, token by token, with the probability of each token it wrote."""
    from lm_core.decoding.continuation import GREEDY, chat_ids, continuation

    ids = chat_ids(tokenizer, prompt_text(problem, mode))
    pairs = continuation(model, ids, GREEDY, MAX_NEW[mode], 0, end_id=tokenizer.eos_id)
    return [(tokenizer.decode([token_id]), prob) for token_id, prob in pairs if token_id != tokenizer.eos_id]


def reply_text(written: Sequence[tuple[str, float]]) -> str:
    return "".join(token for token, _ in written)


def score(model, tokenizer, problems: Sequence[Problem], log: Callable[[str], None] | None = None) -> dict:  # noqa: ANN001
    """Every problem asked both ways: the replies, what was read from them, and the accuracy."""
    rows = []
    for problem in problems:
        row = {"a": problem.a, "b": problem.b, "digits": problem.digits, "answer": problem.answer}
        for mode in MODES:
            reply = reply_text(answer(model, tokenizer, problem, mode))
            read = reply_number(reply)
            row[mode] = {"reply": reply, "read": read, "correct": read == problem.answer}
        rows.append(row)
        if log is not None:
            log(f"{problem.question} {row['direct']['read']!r} {row['step']['read']!r} (sum {problem.answer})")
    accuracy = {mode: sum(row[mode]["correct"] for row in rows) / max(1, len(rows)) for mode in MODES}
    return {"prompts": dict(PROMPTS), "problems": rows, "accuracy": accuracy, "count": len(rows)}


def smollm2_job(a: int, b: int, mode: str, progress: Callable[[dict], None], should_stop: Callable[[], bool]) -> dict:
    """One problem asked to SmolLM2 in a worker of the shared queue (picklable with
    ``functools.partial``). Returns the reply token by token with each token's probability."""
    from lm_core.models.smollm2_cache import load_smollm2

    model, tokenizer = load_smollm2()
    problem = Problem(a, b)
    written = answer(model, tokenizer, problem, mode)
    reply = reply_text(written)
    read = reply_number(reply)
    return {
        "prompt": prompt_text(problem, mode),
        "tokens": [token for token, _ in written],
        "probs": [prob for _, prob in written],
        "read": read,
        "correct": read == problem.answer,
    }


#: Options of "does 'let's think step by step' help SmolLM2".
STEP_HELPS = ("more", "same", "fewer")


def step_helps(results: dict) -> Answer:
    """More, the same or fewer problems right when SmolLM2 is asked to think step by step."""
    direct, step = (int(round(results["accuracy"][mode] * results["count"])) for mode in MODES)
    case = "more" if step > direct else "fewer" if step < direct else "same"
    facts = {"values": {"direct": direct, "step": step}, "direct": direct, "step": step, "count": results["count"]}
    return Answer(frozenset({case}), case=case, facts=facts)
