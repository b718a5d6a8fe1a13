"""Quantisation, by hand: how SmolLM2's 4-bit file stores its weights, and what fewer bits cost.

SmolLM2 ships as a GGUF file in the ``Q4_1`` format (its MLP and attention matrices; the
embedding is ``Q8_0``). ``Q4_1`` cuts every row into blocks of 32 weights and stores, per
block, a **scale** ``d`` and a **minimum** ``m`` (two 16-bit floats) and 32 four-bit numbers
``q`` (0..15, two per byte: the first 16 weights in the low halves of the 16 bytes, the last
16 in the high halves). A weight is ``d x q + m``: 20 bytes for 32 weights, 5 bits a weight.

:func:`read_q4_1_block` decodes one block from the file; :func:`quantise_blocks` does the
same to any float matrix with any number of bits (per block of 32, a scale and a minimum, as
the format does), so chapter 7 and the bench can compare 8, 4, 3 and 2 bits with float32.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch

BLOCK = 32
Q4_1 = 3  # the GGUF type number of Q4_1
BLOCK_BYTES_Q4_1 = 20  # two float16 (scale, minimum) + 16 bytes of four-bit numbers


@dataclass(frozen=True)
class DecodedBlock:
    """One block of 32 weights as the file stores it, decoded by hand."""

    tensor: str  # the GGUF tensor's name
    row: int
    block: int
    raw: bytes  # the 20 bytes in the file
    scale: float
    minimum: float
    quants: tuple[int, ...]  # 32 numbers 0..15
    weights: tuple[float, ...]  # scale * q + minimum


def decode_q4_1(raw: bytes) -> tuple[float, float, list[int], np.ndarray]:
    """(scale, minimum, q, weights) of one ``Q4_1`` block of 20 bytes."""
    if len(raw) != BLOCK_BYTES_Q4_1:
        raise ValueError(f"a Q4_1 block has {BLOCK_BYTES_Q4_1} bytes, not {len(raw)}")
    scale, minimum = (float(v) for v in np.frombuffer(raw[:4], dtype=np.float16))
    packed = np.frombuffer(raw[4:], dtype=np.uint8)
    quants = [int(b & 0x0F) for b in packed] + [int(b >> 4) for b in packed]  # low halves, then high
    weights = np.float32(scale) * np.array(quants, dtype=np.float32) + np.float32(minimum)
    return scale, minimum, quants, weights


def read_q4_1_block(path: str, tensor: str = "blk.0.ffn_gate.weight", row: int = 0, block: int = 0) -> DecodedBlock:
    """Read and decode one block of a ``Q4_1`` tensor of a GGUF file (``gguf`` reads the file)."""
    from gguf import GGUFReader

    reader = GGUFReader(path)
    found = next((t for t in reader.tensors if t.name == tensor), None)
    if found is None:
        raise ValueError(f"no tensor {tensor!r} in {path}")
    if int(found.tensor_type) != Q4_1:
        raise ValueError(f"{tensor} is stored as type {int(found.tensor_type)}, not Q4_1")
    data = np.asarray(found.data)  # (rows, bytes per row)
    start = block * BLOCK_BYTES_Q4_1
    raw = bytes(data[row, start:start + BLOCK_BYTES_Q4_1])
    scale, minimum, quants, weights = decode_q4_1(raw)
    return DecodedBlock(tensor, row, block, raw, scale, minimum, tuple(quants), tuple(float(w) for w in weights))


def quantise_blocks(weight: torch.Tensor, bits: int, block: int = BLOCK) -> torch.Tensor:
    """``weight`` rounded to ``bits`` bits per weight, per block of ``block`` along each row, with a
    scale and a minimum per block stored as float16 (as ``Q4_1`` does for 4 bits). Returns the
    de-quantised float32 matrix (what the model computes with)."""
    if not 1 <= bits <= 8:
        raise ValueError("bits must be between 1 and 8")
    rows, width = weight.shape
    padded = (-width) % block
    flat = torch.nn.functional.pad(weight.float(), (0, padded)).reshape(rows, -1, block)
    low, high = flat.amin(-1, keepdim=True), flat.amax(-1, keepdim=True)
    levels = 2**bits - 1
    scale = ((high - low) / levels).half().float()
    minimum = low.half().float()
    safe = torch.where(scale == 0, torch.ones_like(scale), scale)
    quants = ((flat - minimum) / safe).round().clamp(0, levels)
    restored = quants * scale + minimum
    return restored.reshape(rows, -1)[:, :width].contiguous()


def quantised_bytes(n_weights: int, bits: int, block: int = BLOCK) -> int:
    """Bytes of ``n_weights`` weights at ``bits`` bits plus a float16 scale and minimum per block."""
    blocks = -(-n_weights // block)
    return -(-n_weights * bits // 8) + blocks * 4


def quantised_copy(model: torch.nn.Module, bits: int, rows_at_once: int = 2048,
                   sample_size: int = 20000) -> tuple[torch.nn.Module, dict[str, float]]:
    """A private copy of ``model`` whose matrices (every 2-D weight) are quantised to ``bits`` bits.

    Returns the copy and its numbers: bytes of the matrices in float32 and quantised, the mean
    absolute error of every weight and an evenly spaced sample of the errors (for a histogram).
    The shared model is never touched: the copy is deep. Big matrices go ``rows_at_once`` rows
    at a time, so the extra memory stays small next to the copy.
    """
    twin = copy.deepcopy(model)
    float_bytes = quant_bytes = 0
    total_error, count = 0.0, 0
    samples: list[torch.Tensor] = []
    matrices = {id(p): p for p in twin.parameters() if p.dim() == 2}  # tied weights once
    every = sum(p.numel() for p in matrices.values())
    with torch.no_grad():
        for parameter in matrices.values():
            share = max(1, round(sample_size * parameter.numel() / every))
            errors_here: list[torch.Tensor] = []
            for start in range(0, parameter.shape[0], rows_at_once):
                rows = parameter.data[start:start + rows_at_once]
                restored = quantise_blocks(rows, bits)
                error = (restored - rows).flatten()
                total_error += float(error.abs().sum())
                errors_here.append(error[:: max(1, error.numel() * parameter.shape[0] // (share * rows.shape[0]))])
                rows.copy_(restored)
            samples.append(torch.cat(errors_here)[:share])
            count += parameter.numel()
            float_bytes += parameter.numel() * 4
            quant_bytes += quantised_bytes(parameter.numel(), bits)
    return twin, {"float_bytes": float(float_bytes), "quant_bytes": float(quant_bytes),
                  "mean_abs_error": total_error / max(1, count), "error_sample": torch.cat(samples).numpy()}


def compare(model: torch.nn.Module, twin: torch.nn.Module, ids: list[int], window: int | None = None) -> dict[str, float]:
    """Next-token agreement (same top token at every position) and perplexities over ``ids``,
    read in consecutive pieces of at most ``window`` tokens (the model's context window)."""
    window = window or len(ids)
    agree = count = 0
    loss_base = loss_other = 0.0
    with torch.inference_mode():
        for start in range(0, max(1, len(ids) - 1), window):
            piece = torch.tensor([ids[start:start + window]])
            if piece.shape[1] < 2:
                break
            base, other = model(piece)[0, :-1].float(), twin(piece)[0, :-1].float()
            targets = piece[0, 1:]
            agree += int((base.argmax(-1) == other.argmax(-1)).sum())
            count += int(targets.numel())
            loss_base += float(torch.nn.functional.cross_entropy(base, targets, reduction="sum"))
            loss_other += float(torch.nn.functional.cross_entropy(other, targets, reduction="sum"))
    count = max(1, count)
    return {"agreement": agree / count, "perplexity_float": float(np.exp(loss_base / count)),
            "perplexity": float(np.exp(loss_other / count)), "predictions": float(count)}
