"""Chapter 8's queue jobs: module-level functions that a worker process can receive (the
partial, every progress report and the result pickle), loading what they need themselves,
one tuning job for both instruction tuning and fine-tuning."""

from __future__ import annotations

import functools
import pickle

import numpy as np
import pytest

from lm_core.analysis import ch8_lab as lab
from lm_core.data.corpora import load_corpus
from lm_core.data.instructions import split_pairs

needs_base = pytest.mark.skipif(not lab.base_available("en"), reason="chapter 8 base checkpoint missing")


def run(job: functools.partial, stop_after: int | None = None) -> tuple[list[dict], dict]:
    """Call a job as the queue does; every report and the result go through pickle."""
    reports: list[dict] = []
    job = pickle.loads(pickle.dumps(job))
    result = job(lambda report: reports.append(pickle.loads(pickle.dumps(report))),
                 lambda: stop_after is not None and len(reports) >= stop_after)
    return reports, pickle.loads(pickle.dumps(result))


@needs_base
def test_one_tuning_job_for_instruction_tuning_and_fine_tuning():
    reports, result = run(functools.partial(lab.tuning_job, "instruct", "en", 2, 0))
    assert [r["step"] for r in reports] == [1, 2] and {r["total"] for r in reports} == {2}
    assert [step for step, _ in result["losses"]] == [1, 2] and result["seconds"] > 0
    assert len(result["after"]) == len(split_pairs("en")[1]) and "probs" not in result
    reports, result = run(functools.partial(lab.tuning_job, "finetune", "en", 2, 0))
    _, test_split = lab.sentiment_splits("en")
    assert len(reports) == 2 and np.asarray(result["probs"]).shape == (len(test_split), 3)
    np.testing.assert_allclose(np.asarray(result["probs"]).sum(axis=1), 1.0, atol=1e-6)
    with pytest.raises(ValueError):
        lab.tuning_job("mystery", "en", 2, 0, lambda report: None, lambda: False)


def test_pretraining_job_reports_checkpoints_and_stops_when_asked():
    sentences = list(load_corpus("toy_en").sentences)
    reports, result = run(functools.partial(lab.pretraining_job, sentences, "en", "xs", 20, 0))
    assert reports[0]["kind"] == "prepared" and reports[0]["tokens"] > 0
    steps = [r for r in reports if r["kind"] == "step"]
    assert [r["step"] for r in steps] == list(range(1, 21))
    checkpoints = [r for r in steps if "checkpoint" in r]
    assert checkpoints and set(checkpoints[-1]["state"]) == set(result["state"]) and not result["stopped"]
    _, stopped = run(functools.partial(lab.pretraining_job, sentences, "en", "xs", 200, 0), stop_after=5)
    assert stopped["stopped"]
