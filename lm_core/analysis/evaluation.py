"""Scoring a classifier on a labelled test split, with scikit-learn's metrics.

Confusion matrix (rows = true label, columns = predicted), the classification report
(precision, recall, F1 and support per class) and the weighted F1 that the course's
reference experiment reports: per-class F1 averaged with each class's share of the
test set as its weight.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import accuracy_score, classification_report, confusion_matrix, f1_score

from lm_core.core.errors import InputError


@dataclass
class Evaluation:
    labels: tuple[str, ...]
    confusion: list[list[int]]  # rows: true, columns: predicted
    report: dict  # scikit-learn's classification_report(output_dict=True)
    report_text: str
    weighted_f1: float
    accuracy: float


def evaluate(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]) -> Evaluation:
    """Metrics of predictions ``y_pred`` against ``y_true``. Raises ``errors.labels.missing``
    when a label has no example in the test split (its recall would be undefined)."""
    if len(y_true) != len(y_pred) or not y_true:
        raise InputError("errors.labels.no_test_examples")
    missing = [label for label in labels if label not in set(y_true)]
    if missing:
        raise InputError("errors.labels.missing", labels=", ".join(missing))
    labels = list(labels)
    return Evaluation(
        labels=tuple(labels),
        confusion=confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        report=classification_report(y_true, y_pred, labels=labels, output_dict=True, zero_division=0),
        report_text=classification_report(y_true, y_pred, labels=labels, zero_division=0, digits=3),
        weighted_f1=float(f1_score(y_true, y_pred, labels=labels, average="weighted", zero_division=0)),
        accuracy=float(accuracy_score(y_true, y_pred)),
    )


def fit_power_law(x: Sequence[float], y: Sequence[float]) -> tuple[float, float]:
    """``(a, b)`` of ``y ≈ a · x^(-b)``, fitted as a straight line in log-log space."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = (x > 0) & (y > 0) & np.isfinite(x) & np.isfinite(y)
    if keep.sum() < 2:
        raise InputError("errors.setting.too_few_measurements")
    slope, intercept = np.polyfit(np.log(x[keep]), np.log(y[keep]), 1)
    return float(np.exp(intercept)), float(-slope)
