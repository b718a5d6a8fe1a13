"""The plan for a real run: memory, communication and days to train a GPT-3-sized model.

Arithmetic only (no torch), the way the papers do it:

* **Model states** (ZeRO, Rajbhandari et al. 2020, section 3.1): mixed-precision Adam keeps
  2 bytes of fp16 weights, 2 bytes of fp16 gradients and K = 12 bytes of optimiser state
  (fp32 master weights, momentum, variance) per parameter: 16 bytes. Tensor parallelism (t)
  and pipeline parallelism (p) divide the parameters a device holds; ZeRO divides, across the
  d data-parallel copies, the optimiser state (stage 1), then the gradients (stage 2), then
  the weights too (stage 3).
* **Activations** (Korthikanti et al. 2022, "Reducing activation recomputation"): per layer
  and micro-batch ``s·b·h·(34 + 5·a·s/h)`` bytes in 16-bit, divided by t with sequence
  parallelism; only the layer's input ``2·s·b·h`` with full recomputation. A pipeline stage
  holds L/p layers for up to p micro-batches in flight (1F1B schedule).
* **Communication per step**: the data-parallel gradient all-reduce (ring: 2(d - 1)/d of the
  16-bit gradients; ZeRO-3 1.5× that, the paper's figure), tensor parallelism's four
  all-reduces per layer and micro-batch, pipeline sends of the activations at each boundary.
* **Time**: training takes ``6·N·D`` FLOPs (N parameters, D tokens; 8·N·D when activations
  are recomputed), divided by the devices' peak times the utilisation actually reached.
"""

from __future__ import annotations

from dataclasses import dataclass

from lm_core.core.errors import InputError

GB = 1e9  # the ZeRO paper's and the vendors' gigabyte
SECONDS_PER_DAY = 86_400.0
WEIGHT_BYTES, GRAD_BYTES, OPTIMIZER_BYTES = 2, 2, 12  # mixed-precision Adam (ZeRO's K = 12)
BYTES_PER_PARAMETER = WEIGHT_BYTES + GRAD_BYTES + OPTIMIZER_BYTES
ZERO_STAGES = (0, 1, 2, 3)
PARTS = ("weights", "gradients", "optimizer", "activations")


@dataclass(frozen=True)
class ModelShape:
    """A GPT's size: layers, width, heads, context, vocabulary and training tokens."""

    name: str
    n_layer: int
    d_model: int
    n_head: int
    context: int
    vocab_size: int
    training_tokens: float

    @property
    def parameters(self) -> float:
        """12·L·h² for the blocks (attention 4h², feed-forward 8h²) plus the embeddings."""
        return 12 * self.n_layer * self.d_model**2 + (self.vocab_size + self.context) * self.d_model


#: GPT-3 (Brown et al. 2020, table 2.1): 96 layers, width 12288, 96 heads, 2048 tokens, 300B tokens.
GPT3 = ModelShape("GPT-3 175B", 96, 12288, 96, 2048, 50257, 300e9)


@dataclass(frozen=True)
class Accelerator:
    name: str
    memory_gb: float
    peak_tflops: float  # dense 16-bit


ACCELERATORS = {
    "v100": Accelerator("V100 32 GB", 32, 125),
    "a100": Accelerator("A100 80 GB", 80, 312),
    "h100": Accelerator("H100 80 GB", 80, 989),
}


@dataclass(frozen=True)
class Layout:
    """How ``data × tensor × pipeline`` devices share the work, and the ZeRO stage."""

    data: int = 1
    tensor: int = 1
    pipeline: int = 1
    zero: int = 0

    @property
    def devices(self) -> int:
        return self.data * self.tensor * self.pipeline


def check_layout(model: ModelShape, layout: Layout) -> None:
    if min(layout.data, layout.tensor, layout.pipeline) < 1:
        raise InputError("errors.setting.at_least_one", name="data × tensor × pipeline")
    if layout.zero not in ZERO_STAGES:
        raise InputError("errors.setting.not_a_choice", value=str(layout.zero), name="ZeRO")
    if model.n_head % layout.tensor:
        raise InputError("errors.setting.impossible", name="tensor", value=layout.tensor)
    if model.n_layer % layout.pipeline:
        raise InputError("errors.setting.impossible", name="pipeline", value=layout.pipeline)


def model_states(parameters: float, layout: Layout) -> dict[str, float]:
    """Bytes per device of weights, gradients and optimiser state (ZeRO section 3.1 and figure 1)."""
    held = parameters / (layout.tensor * layout.pipeline)  # model parallelism splits the parameters
    d = layout.data
    return {
        "weights": WEIGHT_BYTES * held / (d if layout.zero >= 3 else 1),
        "gradients": GRAD_BYTES * held / (d if layout.zero >= 2 else 1),
        "optimizer": OPTIMIZER_BYTES * held / (d if layout.zero >= 1 else 1),
    }


def activation_bytes(model: ModelShape, layout: Layout, micro_batch: int = 1, micro_batches: int = 1,
                     recompute: bool = False) -> float:
    """Activation memory per device (Korthikanti et al. 2022, eq. 5 and section 4.2)."""
    s, b, h, a = model.context, micro_batch, model.d_model, model.n_head
    per_layer = 2 * s * b * h if recompute else s * b * h * (34 + 5 * a * s / h) / layout.tensor
    in_flight = min(layout.pipeline, micro_batches)
    return per_layer * (model.n_layer / layout.pipeline) * max(1, in_flight)


def memory_per_device(model: ModelShape, layout: Layout, micro_batch: int = 1, micro_batches: int = 8,
                      recompute: bool = True) -> dict[str, float]:
    """Bytes per device: ``weights``, ``gradients``, ``optimizer``, ``activations``, ``total``."""
    check_layout(model, layout)
    parts = model_states(model.parameters, layout)
    parts["activations"] = activation_bytes(model, layout, micro_batch, micro_batches, recompute)
    parts["total"] = sum(parts[name] for name in PARTS)
    return parts


def communication_per_step(model: ModelShape, layout: Layout, micro_batch: int = 1, micro_batches: int = 8) -> dict[str, float]:
    """Bytes each device sends per training step, by kind of parallelism."""
    check_layout(model, layout)
    held = model.parameters / (layout.tensor * layout.pipeline)
    d, t, p = layout.data, layout.tensor, layout.pipeline
    ring = 2 * (d - 1) / d if d > 1 else 0.0
    data = ring * GRAD_BYTES * held * (1.5 if layout.zero >= 3 else 1.0)
    activation = 2 * model.context * micro_batch * model.d_model  # one 16-bit activation tensor
    tensor = 4 * (2 * (t - 1) / t) * activation * (model.n_layer / p) * micro_batches if t > 1 else 0.0
    pipeline = 2 * activation * micro_batches if p > 1 else 0.0
    return {"data": data, "tensor": tensor, "pipeline": pipeline, "total": data + tensor + pipeline}


def training_flops(parameters: float, tokens: float, recompute: bool = False) -> float:
    """6·N·D (forward 2, backward 4 per parameter and token); 8·N·D with recomputation."""
    return (8.0 if recompute else 6.0) * parameters * tokens


def training_days(parameters: float, tokens: float, devices: int, peak_tflops: float, utilisation: float,
                  recompute: bool = False) -> float:
    """Days of training: the FLOPs over what the devices really deliver."""
    if devices < 1:
        raise InputError("errors.setting.at_least_one", name="devices")
    if not 0 < utilisation <= 1:
        raise InputError("errors.setting.impossible", name="utilisation", value=utilisation)
    seconds = training_flops(parameters, tokens, recompute) / (devices * peak_tflops * 1e12 * utilisation)
    return seconds / SECONDS_PER_DAY


def strategies(model: ModelShape, devices: int, zero: int) -> dict[str, Layout]:
    """The layouts the calculator compares on ``devices`` devices: each one a real choice."""
    t = max(x for x in (1, 2, 4, 8) if devices % x == 0 and model.n_head % x == 0)
    rest = devices // t
    p = max(x for x in (1, 2, 4, 8, 16, 32) if rest % x == 0 and model.n_layer % x == 0)
    return {
        "data": Layout(data=devices),
        "zero": Layout(data=devices, zero=zero),
        "tensor": Layout(data=rest, tensor=t, zero=zero),
        "three_d": Layout(data=rest // p, tensor=t, pipeline=p, zero=zero),
    }


def plan(model: ModelShape, devices: int, memory_gb: float, zero: int, accelerator: Accelerator,
         utilisation: float = 0.4, micro_batch: int = 1, micro_batches: int = 8) -> dict:
    """Every strategy's memory and traffic per device, whether it fits, and the days to train."""
    if devices < 1:
        raise InputError("errors.setting.at_least_one", name="devices")
    rows = {}
    for key, layout in strategies(model, devices, zero).items():
        memory = memory_per_device(model, layout, micro_batch, micro_batches)
        rows[key] = {
            "layout": {"data": layout.data, "tensor": layout.tensor, "pipeline": layout.pipeline, "zero": layout.zero},
            "memory": memory,
            "communication": communication_per_step(model, layout, micro_batch, micro_batches),
            "fits": memory["total"] <= memory_gb * GB,
        }
    flops = training_flops(model.parameters, model.training_tokens)
    return {
        "parameters": model.parameters,
        "flops": flops,
        "days": training_days(model.parameters, model.training_tokens, devices, accelerator.peak_tflops, utilisation),
        "strategies": rows,
        "memory_gb": memory_gb,
        "devices": devices,
        "utilisation": utilisation,
    }
