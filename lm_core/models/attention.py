"""Attention, the one implementation every model here uses: self, causal, cross and grouped-query.

    scores = Q·Kᵀ  ->  scaled = scores / √D  ->  masked (-inf where a query may not look)
    ->  weights = softmax(masked)  ->  head_out = weights · V

:func:`attend` runs this in two modes from one call:

* ``capture=None`` (fast path): PyTorch's fused ``scaled_dot_product_attention``;
* ``capture=Capture()`` (capture path): the five steps written out, each recorded under
  ``{prefix}.q|k|v|scores|scaled|masked|weights|head_out`` (see :mod:`lm_core.models.capture`).

Either way, an edit the capture carries for ``{prefix}.head_out`` (a head switched off or
scaled, :mod:`lm_core.models.interventions`) changes the heads' outputs before they are merged;
``Capture.intervening(edits)`` keeps the fused path.

Both give the same output (a test checks it). Shapes: queries ``(B, Hq, Tq, D)``, keys and
values ``(B, Hkv, Tk, D)``. Self-attention has ``Tq == Tk``; cross-attention (a decoder
looking at the encoder) has keys and values from another sequence. Grouped-query attention
has fewer key/value heads than query heads: query head ``h`` uses key/value head
``h // (Hq // Hkv)`` (:func:`kv_head_of`). Captured ``k`` and ``v`` keep their real
``Hkv`` heads; scores and weights have one map per query head.

Masks are described, not passed as matrices, so the same words serve every model:
``causal=True`` forbids a query at position ``past + i`` from looking at later keys
(``past`` = how many keys come from a cache); ``key_padding`` (B, Tk) marks keys nobody may
look at (padding). :func:`allowed_mask` builds the boolean matrix both paths use.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from lm_core.models.capture import Capture, edit, fast, record


def kv_head_of(query_head: int, n_query_heads: int, n_kv_heads: int) -> int:
    """The key/value head a query head shares under grouped-query attention."""
    if n_query_heads % n_kv_heads:
        raise ValueError(f"{n_query_heads} query heads cannot share {n_kv_heads} key/value heads evenly")
    return query_head // (n_query_heads // n_kv_heads)


def allowed_mask(
    n_queries: int,
    n_keys: int,
    causal: bool = False,
    past: int = 0,
    key_padding: torch.Tensor | None = None,
    device: torch.device | str | None = None,
) -> torch.Tensor | None:
    """Boolean mask, True where a query may look at a key; ``None`` when every pair may.

    Shape ``(Tq, Tk)``, or ``(B, 1, Tq, Tk)`` with ``key_padding`` (B, Tk; True = padding).
    """
    allowed = None
    if causal:
        # Query i sits at position past + i and sees keys 0 .. past + i.
        allowed = torch.ones(n_queries, n_keys, dtype=torch.bool, device=device).tril(past)
    if key_padding is not None:
        keys_ok = ~key_padding.to(torch.bool)[:, None, None, :]  # (B, 1, 1, Tk)
        allowed = keys_ok if allowed is None else keys_ok & allowed
    return allowed


def repeat_kv(x: torch.Tensor, n_query_heads: int) -> torch.Tensor:
    """(B, Hkv, T, D) -> (B, Hq, T, D): each key/value head repeated for its query heads."""
    groups = n_query_heads // x.shape[1]
    return x if groups == 1 else x.repeat_interleave(groups, dim=1)


def attend(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    *,
    causal: bool = False,
    past: int = 0,
    key_padding: torch.Tensor | None = None,
    capture: Capture | None = None,
    prefix: str = "attn",
    dropout: float = 0.0,
    scale: float | None = None,
) -> torch.Tensor:
    """Multi-head attention of ``q`` over ``k``/``v``; returns the heads' outputs (B, Hq, Tq, D).

    ``scale`` defaults to 1/√D. ``dropout`` applies to the weights (training only).
    """
    n_queries, n_keys, n_query_heads = q.shape[2], k.shape[2], q.shape[1]
    if n_query_heads % k.shape[1]:
        raise ValueError(f"{n_query_heads} query heads cannot share {k.shape[1]} key/value heads evenly")
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    allowed = allowed_mask(n_queries, n_keys, causal, past, key_padding, q.device)

    if fast(capture):  # nothing to record (an intervention may still change the heads' outputs)
        if allowed is not None and allowed.dim() == 2 and causal and past == 0 and n_queries == n_keys:
            head_out = F.scaled_dot_product_attention(
                q, k, v, dropout_p=dropout, is_causal=True, scale=scale, enable_gqa=k.shape[1] != n_query_heads
            )
        else:
            head_out = F.scaled_dot_product_attention(
                q, k, v, attn_mask=allowed, dropout_p=dropout, scale=scale, enable_gqa=k.shape[1] != n_query_heads
            )
        return edit(capture, f"{prefix}.head_out", head_out)

    record(capture, f"{prefix}.q", q)
    record(capture, f"{prefix}.k", k)
    record(capture, f"{prefix}.v", v)
    keys, values = repeat_kv(k, n_query_heads), repeat_kv(v, n_query_heads)
    scores = q @ keys.transpose(-2, -1)  # how well each query matches each key
    record(capture, f"{prefix}.scores", scores)
    scaled = scores * scale  # keep the softmax from saturating as D grows
    record(capture, f"{prefix}.scaled", scaled)
    masked = scaled if allowed is None else scaled.masked_fill(~allowed, float("-inf"))
    record(capture, f"{prefix}.masked", masked)
    weights = torch.softmax(masked, dim=-1)  # each row sums to 1: where this query looks
    # A query with every key masked (all padding) gets NaN from softmax; it looks nowhere.
    weights = torch.nan_to_num(weights, nan=0.0)
    record(capture, f"{prefix}.weights", weights)
    if dropout > 0:
        weights = F.dropout(weights, p=dropout)
    head_out = weights @ values  # a weighted average of the values
    head_out = edit(capture, f"{prefix}.head_out", head_out)  # a head switched off or scaled, if asked
    record(capture, f"{prefix}.head_out", head_out)
    return head_out


def split_heads(x: torch.Tensor, n_heads: int) -> torch.Tensor:
    """(B, T, H·D) -> (B, H, T, D): each head works on its own slice of the channels."""
    batch, tokens, width = x.shape
    return x.view(batch, tokens, n_heads, width // n_heads).transpose(1, 2)


def merge_heads(x: torch.Tensor) -> torch.Tensor:
    """(B, H, T, D) -> (B, T, H·D): the heads side by side again."""
    batch, heads, tokens, dim = x.shape
    return x.transpose(1, 2).contiguous().view(batch, tokens, heads * dim)
