"""Multi-digit addition, with and without its steps written out (chapter 10, chain of thought).

One problem, two ways of writing its answer:

* **direct**: ``123+489=`` → ``612``. The model must produce the first digit of the
  answer before any other, and that digit depends on every carry further right: all the
  work has to happen inside one forward pass.
* **scratchpad** (the steps, then the answer): ``123+489=`` →
  ``3+9+0=12;2+8+1=11;1+4+1=06→612``. Digit by digit from the right, each step writes the
  two digits, the carry coming in and their sum as two digits (the carry going out, then
  the digit kept). Each step is a short lookup: two digits copied from the question, one
  carry copied from the step just written, a sum of three small numbers. The answer is
  then the kept digits read back from the last step to the first.

Every step has the same width (the sum always has two digits), so the answer digits sit at
fixed places the model can find. Difficulty is the number of digits of the longer number.
Problems are drawn with a seed; the held-out test problems are drawn first and never
appear in training.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lm_core.core.errors import InputError

#: The number of digits the models are trained on (the longer number of each problem).
TRAINED_DIGITS = (1, 2, 3, 4)
#: One more digit than training, shown apart: a test of extrapolation, not of learning.
HELD_OUT_DIGITS = 5
#: The most digits a learner may type per number.
MAX_DIGITS = 5
#: The two ways of writing an answer.
FORMATS = ("direct", "scratchpad")
STEP_SEPARATOR = ";"
ANSWER_MARK = "→"
#: Every character either format uses: the models' alphabet.
ALPHABET = "0123456789+=" + STEP_SEPARATOR + ANSWER_MARK

_QUESTION = re.compile(r"^\s*([0-9]+)\s*\+\s*([0-9]+)\s*=?\s*$")


@dataclass(frozen=True)
class Problem:
    """``a + b`` with non-negative whole numbers."""

    a: int
    b: int

    @property
    def question(self) -> str:
        return f"{self.a}+{self.b}="

    @property
    def answer(self) -> str:
        return str(self.a + self.b)

    @property
    def digits(self) -> int:
        """Difficulty: the number of digits of the longer number."""
        return max(len(str(self.a)), len(str(self.b)))

    def steps(self) -> list[str]:
        """The scratchpad's steps, rightmost digit first: ``"3+9+0=12"`` (digit, digit, carry in = sum)."""
        a, b = str(self.a)[::-1], str(self.b)[::-1]
        carry, steps = 0, []
        for place in range(self.digits):
            x = int(a[place]) if place < len(a) else 0
            y = int(b[place]) if place < len(b) else 0
            total = x + y + carry
            steps.append(f"{x}+{y}+{carry}={total:02d}")
            carry = total // 10
        return steps

    def target(self, fmt: str) -> str:
        """What the model is taught to write after the question, in format ``fmt``."""
        if fmt == "direct":
            return self.answer
        if fmt == "scratchpad":
            return STEP_SEPARATOR.join(self.steps()) + ANSWER_MARK + self.answer
        raise ValueError(f"unknown format {fmt!r}")


def _number(rng: random.Random, digits: int) -> int:
    """A random number with exactly ``digits`` digits (0..9 for one digit)."""
    if digits == 1:
        return rng.randrange(10)
    return rng.randrange(10 ** (digits - 1), 10**digits)


def random_problem(rng: random.Random, digits: int) -> Problem:
    """One number has ``digits`` digits, the other between 1 and ``digits``, in either order."""
    longer = _number(rng, digits)
    shorter = _number(rng, rng.randint(1, digits))
    return Problem(longer, shorter) if rng.random() < 0.5 else Problem(shorter, longer)


def held_out_problems(per_digit: int, seed: int, digits: Iterable[int] = (*TRAINED_DIGITS, HELD_OUT_DIGITS)) -> list[Problem]:
    """``per_digit`` distinct problems for each number of digits (one-digit ones: at most 30 of
    the 100, so training keeps the other 70)."""
    rng = random.Random(f"arithmetic-test-{seed}")
    chosen: list[Problem] = []
    for n in digits:
        wanted = min(per_digit, 30) if n == 1 else per_digit
        found: dict[Problem, None] = {}
        while len(found) < wanted:
            found.setdefault(random_problem(rng, n))
        chosen.extend(found)
    return chosen


def training_problems(count: int, seed: int, exclude: Iterable[Problem]) -> list[Problem]:
    """``count`` problems, digits 1 to 4 in equal shares, none of them in ``exclude`` (the test)."""
    held_out = set(exclude)
    rng = random.Random(f"arithmetic-train-{seed}")
    problems: list[Problem] = []
    while len(problems) < count:
        problem = random_problem(rng, TRAINED_DIGITS[len(problems) % len(TRAINED_DIGITS)])
        if problem not in held_out:
            problems.append(problem)
    return problems


def pairs(problems: Sequence[Problem], fmt: str) -> list[tuple[str, str]]:
    """(question, target) pairs for training in format ``fmt``."""
    return [(problem.question, problem.target(fmt)) for problem in problems]


def answer_of(completion: str, fmt: str) -> str:
    """The final answer in what a model wrote: after the last ``→`` for the scratchpad
    (nothing when the mark never came), the whole text for direct answers."""
    if fmt == "scratchpad":
        return completion.rsplit(ANSWER_MARK, 1)[1].strip() if ANSWER_MARK in completion else ""
    return completion.strip()


def is_correct(problem: Problem, completion: str, fmt: str) -> bool:
    """Exact match: the answer written is the sum, digit for digit."""
    return answer_of(completion, fmt) == problem.answer


def accuracy_by_digits(problems: Sequence[Problem], correct: Sequence[bool]) -> dict[int, float]:
    """The share of exact matches per number of digits."""
    totals: dict[int, list[int]] = {}
    for problem, ok in zip(problems, correct, strict=True):
        totals.setdefault(problem.digits, []).append(int(ok))
    return {n: sum(hits) / len(hits) for n, hits in sorted(totals.items())}


def parse_question(text: str) -> Problem:
    """A learner's ``"123+489"`` (spaces and a final ``=`` allowed) as a :class:`Problem`.

    Anything else raises an :class:`InputError` that says what is expected."""
    if not text or not text.strip():
        raise InputError("errors.addition.empty")
    match = _QUESTION.match(text)
    if match is None:
        raise InputError("errors.addition.not_addition")
    left, right = match.groups()
    if max(len(left), len(right)) > MAX_DIGITS:
        raise InputError("errors.addition.too_long", most=MAX_DIGITS)
    return Problem(int(left), int(right))
