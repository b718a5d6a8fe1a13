"""Predict-then-reveal answers for training at scale, read from the runs just made.

Each function takes a result of :mod:`lm_core.train.parallel` or
:mod:`lm_core.analysis.parallel_plan` and returns a :class:`~lm_core.analysis.quiz.Answer`
(see :mod:`lm_core.analysis.quiz`): what the measurement says, never a canned verdict.
"""

from __future__ import annotations

from collections.abc import Mapping

from lm_core.analysis.quiz import Answer, bucket

SAME_CURVE_TOLERANCE = 1e-4  # float32 sums in another order differ in the last digits, no more
BUBBLE_EDGES = (0.2, 0.4)
BUBBLE_OPTIONS = ("small", "medium", "large")


def same_curve(result: Mapping) -> Answer:
    """Two workers with half the batch each against one with the whole batch: same curve?"""
    same = result["max_difference"] < SAME_CURVE_TOLERANCE
    verdict = "yes" if same else "no"
    return Answer(frozenset({verdict}), verdict, {"difference": f"{result['max_difference']:.1e}",
                                                  "steps": len(result["losses_one"])})


def bubble_share(result: Mapping) -> Answer:
    """How much of each worker's time is idle (measured) with this many micro-batches."""
    measured = float(result["bubble"])
    verdict = bucket(measured, BUBBLE_EDGES, BUBBLE_OPTIONS)
    return Answer(frozenset({verdict}), verdict, {"measured": f"{measured:.0%}",
                                                  "formula": f"{result['bubble_formula']:.0%}",
                                                  "m": result["micro_batches"]})


def strategies_that_fit(plan: Mapping) -> Answer:
    """Which ways of splitting the model fit in the devices' memory ("click every one")."""
    fitting = frozenset(key for key, row in plan["strategies"].items() if row["fits"])
    parameters = float(plan["parameters"])
    facts = {"count": len(fitting), "billions": f"{parameters / 1e9:,.0f}",
             "copy_tb": f"{16 * parameters / 1e12:.1f}"}
    return Answer(fitting, "some" if fitting else "none", facts, multi=True)
