"""The compute and energy of training, from chapter 6's rule of thumb C ≈ 6·N·D.

``N`` parameters, ``D`` training tokens, six floating-point operations per parameter and
token (:func:`lm_core.analysis.sizes.training_flops`). Turning operations into energy needs
assumptions, stated here and shown next to every number: the accelerator's peak speed
(chapter 8's table), the share of it a real run achieves, and the power the accelerator
draws. The energy of cooling, networking, failed runs and experiments before the final run
is not counted, so these are lower bounds.
"""

from __future__ import annotations

from dataclasses import dataclass

from lm_core.analysis.parallel_plan import ACCELERATORS
from lm_core.analysis.sizes import PRESETS, training_flops

#: The stated assumption: an A100 at 40 % of its 16-bit peak, drawing 400 W.
ACCELERATOR = "a100"
UTILISATION = 0.4
WATTS = 400.0
#: A household's electricity in a year, for scale (a stated round figure, not a measurement).
HOUSEHOLD_KWH_PER_YEAR = 3500.0
TINY_GPTS = ("gpt_toy_en", "gpt_toy_zh")


@dataclass(frozen=True)
class TrainingCost:
    key: str
    name: str
    parameters: float
    tokens: float
    source: str  # where N and D come from ("preset" or "checkpoint")
    measured_seconds: float | None = None  # the real training time, when this project trained it

    @property
    def flops(self) -> float:
        return training_flops(int(self.parameters), self.tokens)

    def accelerator_hours(self, peak_tflops: float, utilisation: float) -> float:
        return self.flops / (peak_tflops * 1e12 * utilisation) / 3600.0

    def kwh(self, peak_tflops: float, utilisation: float, watts: float) -> float:
        return self.accelerator_hours(peak_tflops, utilisation) * watts / 1000.0


def rounded(value: float, digits: int = 2) -> float:
    """``value`` to ``digits`` significant digits: an estimate shown without false precision."""
    return float(f"{value:.{digits}g}")


def assumptions() -> dict:
    accelerator = ACCELERATORS[ACCELERATOR]
    return {"accelerator": accelerator.name, "peak_tflops": accelerator.peak_tflops,
            "utilisation": UTILISATION, "watts": WATTS, "household_kwh": HOUSEHOLD_KWH_PER_YEAR}


def tiny_cost(name: str) -> TrainingCost:
    """A tiny GPT's cost from its checkpoint: parameters, and steps × batch × context tokens."""
    import json

    from lm_core.models.checkpoints import checkpoint_path

    config = json.loads((checkpoint_path(name) / "config.json").read_text(encoding="utf-8"))
    meta, model = config["meta"], config["model"]
    tokens = float(meta["max_iters"]) * float(meta["batch_size"]) * float(model["block_size"])
    return TrainingCost(name, name, float(meta["parameters"]), tokens, "checkpoint",
                        float(meta.get("train_time_s") or 0.0) or None)


def costs() -> list[TrainingCost]:
    """GPT-3 and SmolLM2-135M (published N and D) and this project's tiny GPTs."""
    rows = []
    for key in ("gpt3", "smollm2_135m"):
        preset = PRESETS[key]
        rows.append(TrainingCost(key, preset.name, float(preset.reference), float(preset.training_tokens), "preset"))
    rows.extend(tiny_cost(name) for name in TINY_GPTS)
    return rows


def cost_table() -> list[dict]:
    """Every row of :func:`costs` with its FLOPs, accelerator-hours and kWh under :func:`assumptions`."""
    stated = assumptions()
    return [{
        "key": row.key, "name": row.name, "parameters": row.parameters, "tokens": row.tokens,
        "flops": row.flops,
        "hours": row.accelerator_hours(stated["peak_tflops"], stated["utilisation"]),
        "kwh": row.kwh(stated["peak_tflops"], stated["utilisation"], stated["watts"]),
        "measured_seconds": row.measured_seconds,
    } for row in costs()]
