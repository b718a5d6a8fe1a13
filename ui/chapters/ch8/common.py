"""What every section of chapter 8 shares: the view the controls on top chose, the measured
results, the methods a learner ran in this session, and method names in the learner's language."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from lm_core.analysis import ch8_lab as lab
from lm_core.analysis.prompting import LABELS
from ui import models, shared
from ui.common import t

CHART = {"width": "stretch", "config": {"displaylogo": False}}
OWN_METHODS = "ch8_own_methods"  # {data set: {method key: its test probabilities}}, this session's runs


@dataclass(frozen=True)
class View:
    """The data set and calibration chosen on top, with that data set's splits and results."""

    data_lang: str
    calibrated: bool
    results: dict
    train_split: tuple
    test_split: tuple

    @classmethod
    def of(cls, data_lang: str, calibrated: bool) -> View:
        train_split, test_split = lab.sentiment_splits(data_lang)
        return cls(data_lang, calibrated, models.ch8_results(), train_split, test_split)

    @property
    def gold(self) -> list[str]:
        return [label for _, label in self.test_split]

    def shipped(self) -> dict[str, dict]:
        return lab.shipped_methods(self.results, self.data_lang)

    def methods(self) -> dict[str, dict]:
        """Every method to compare: the shipped ones and this session's own runs."""
        own = st.session_state.get(OWN_METHODS, {}).get(self.data_lang, {})
        return lab.all_methods(self.results, self.data_lang, own)

    def own_methods(self) -> dict[str, dict]:
        """This session's own runs on this data set (a dict the sections add to)."""
        return st.session_state.setdefault(OWN_METHODS, {}).setdefault(self.data_lang, {})


def evaluations(view: View, calibrated: bool | None = None) -> dict:
    """``lab.evaluate_methods`` for every method of ``view``, each method scored once per server.

    Why: the story chart, its caption and the side-by-side results read the same scores, four
    times a page run, and every student of a class asks for the same shipped methods (about
    0.3 s of scikit-learn each open). The key is what the scores come from: the gold labels and
    the probabilities on screen (a learner's own run has its own)."""
    calibrated = view.calibrated if calibrated is None else calibrated
    return {key: evaluation_of(view, lab.method_probs(key, entry, calibrated)) for key, entry in view.methods().items()}


def evaluation_of(view: View, probs) -> object:  # noqa: ANN001 (numpy array) - lm_core Evaluation
    """``lab.evaluate_probs`` of these probabilities on the test split, once per server (read-only)."""
    gold = view.gold
    return shared.result(("ch8.evaluation", shared.freeze(tuple(gold)), shared.freeze(probs)),
                         lambda: lab.evaluate_probs(gold, probs))


def method_label(key: str, two_lines: bool = False) -> str:
    """``"tiny GPT · few-shot"`` for ``"gpt:few"`` (on two lines under a bar)."""
    model_key, mode = key.split(":")
    model = models.configured_label(model_key) or t(f"ch8.models.{model_key}_short")  # the administrator's label
    label = t("ch8.methods.label", model=model, mode=t(f"ch8.modes.{mode}_short"))
    return label.replace(" · ", "\n") if two_lines else label


def label_names() -> list[str]:
    return [t(f"corpora.labels.{label}") for label in LABELS]


def confusion_labels(title: str) -> dict:
    return {
        "title": title,
        "x": t("ch8.results.predicted"),
        "y": t("ch8.results.true"),
        "hover": t("ch8.results.cell_hover"),
    }


def report_table(evaluation) -> list[dict]:  # noqa: ANN001 (lm_core Evaluation)
    """The classification report with the learner's column names and class names."""
    names = dict(zip(LABELS, label_names(), strict=True)) | {"weighted avg": t("ch8.results.weighted")}
    return [
        {
            t("ch8.results.col_class"): names[row["label"]],
            t("ch8.results.col_precision"): row["precision"],
            t("ch8.results.col_recall"): row["recall"],
            t("ch8.results.col_f1"): row["f1"],
            t("ch8.results.col_support"): row["support"],
        }
        for row in lab.report_rows(evaluation)
    ]
