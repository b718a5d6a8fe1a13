"""The one attention: both paths agree for self, causal, cross, cached and grouped-query attention."""

import pytest
import torch

from lm_core.models.attention import allowed_mask, attend, kv_head_of, merge_heads, split_heads
from lm_core.models.capture import Capture


def _qkv(batch=2, q_heads=4, kv_heads=4, n_queries=5, n_keys=5, dim=8, seed=0):
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(batch, q_heads, n_queries, dim, generator=g)
    k = torch.randn(batch, kv_heads, n_keys, dim, generator=g)
    v = torch.randn(batch, kv_heads, n_keys, dim, generator=g)
    return q, k, v


@pytest.mark.parametrize(
    ("kv_heads", "n_queries", "n_keys", "causal", "past"),
    [(4, 5, 5, False, 0), (4, 5, 5, True, 0), (2, 5, 5, True, 0), (1, 3, 7, False, 0), (4, 2, 6, True, 4), (4, 1, 6, True, 5)],
)
def test_fast_path_equals_capture_path(kv_heads, n_queries, n_keys, causal, past):
    q, k, v = _qkv(kv_heads=kv_heads, n_queries=n_queries, n_keys=n_keys)
    fast = attend(q, k, v, causal=causal, past=past)
    capture = Capture()
    slow = attend(q, k, v, causal=causal, past=past, capture=capture, prefix="x")
    torch.testing.assert_close(fast, slow, atol=1e-5, rtol=1e-5)
    assert [name.split(".")[-1] for name in capture.names()] == ["q", "k", "v", "scores", "scaled", "masked", "weights", "head_out"]
    weights = capture["x.weights"]
    assert weights.shape == (2, 4, n_queries, n_keys)
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, 4, n_queries))
    assert capture["x.k"].shape[1] == kv_heads  # the real key/value heads, not the repeated ones


def test_causal_mask_is_zero_above_the_diagonal():
    q, k, v = _qkv()
    capture = Capture()
    attend(q, k, v, causal=True, capture=capture, prefix="a")
    weights = capture["a.weights"]
    assert torch.all(weights.triu(1) == 0)
    assert torch.all(torch.isinf(capture["a.masked"].triu(1)[..., 0, 1:]))


def test_grouped_query_heads_share_keys():
    q, k, v = _qkv(q_heads=9, kv_heads=3)
    capture = Capture()
    attend(q, k, v, capture=capture, prefix="g")
    scores = capture["g.scores"]
    for head in range(9):
        shared = kv_head_of(head, 9, 3)
        torch.testing.assert_close(scores[:, head], q[:, head] @ k[:, shared].transpose(-1, -2))
    assert [kv_head_of(h, 9, 3) for h in range(9)] == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    with pytest.raises(ValueError):
        kv_head_of(0, 9, 4)


def test_key_padding_is_never_looked_at():
    q, k, v = _qkv(n_queries=3, n_keys=4)
    padding = torch.tensor([[False, False, True, True], [False, False, False, False]])
    capture = Capture()
    slow = attend(q, k, v, key_padding=padding, capture=capture, prefix="p")
    assert torch.all(capture["p.weights"][0, :, :, 2:] == 0)
    torch.testing.assert_close(attend(q, k, v, key_padding=padding), slow, atol=1e-5, rtol=1e-5)
    assert allowed_mask(3, 3) is None


def test_heads_split_and_merge_back():
    x = torch.randn(2, 5, 12)
    assert split_heads(x, 3).shape == (2, 3, 5, 4)
    torch.testing.assert_close(merge_heads(split_heads(x, 3)), x)
