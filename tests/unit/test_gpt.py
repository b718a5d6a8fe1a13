"""The tiny GPT: both paths agree, attention is causal, captures are per call, training works."""

from __future__ import annotations

import dataclasses
import threading

import pytest
import torch

from lm_core.models.checkpoints import load_checkpoint, save_checkpoint
from lm_core.models.gpt import GPT, Capture, GPTConfig
from lm_core.tokenizers.lm import BPETokenizer, CharTokenizer
from lm_core.train.loop import TrainConfig, get_batch, learning_rate_at, train

torch.set_num_threads(1)

CFG = GPTConfig(vocab_size=50, block_size=16, n_layer=2, n_head=4, n_embd=32)


@pytest.fixture(scope="module")
def model() -> GPT:
    torch.manual_seed(0)
    return GPT(CFG).eval().requires_grad_(False)


def ids(batch: int = 2, tokens: int = 12, seed: int = 1) -> torch.Tensor:
    return torch.randint(0, CFG.vocab_size, (batch, tokens), generator=torch.Generator().manual_seed(seed))


def test_config_is_frozen_and_validated() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        CFG.n_layer = 3  # type: ignore[misc]
    with pytest.raises(ValueError):
        GPTConfig(vocab_size=10, n_embd=30, n_head=4)
    assert GPTConfig.from_dict(CFG.to_dict()) == CFG


def test_parameter_count_matches_formula() -> None:
    # nanoGPT's Shakespeare-char size: 0.80M parameters without position embeddings.
    model = GPT(GPTConfig(vocab_size=65, block_size=64, n_layer=4, n_head=4, n_embd=128))
    c, v, t, layers = 128, 65, 64, 4
    per_block = 2 * c + 3 * c * c + c * c + 4 * c * c + 4 * c * c  # 2 LayerNorms, qkv, proj, fc, proj
    expected = v * c + t * c + layers * per_block + c  # tied head counted once, final LayerNorm
    assert model.num_parameters() == expected
    assert round(model.num_parameters(include_position=False) / 1e6, 2) == 0.80


def test_weight_tying(model: GPT) -> None:
    assert model.lm_head.weight.data_ptr() == model.token_embedding.weight.data_ptr()


def test_fast_and_capture_paths_give_same_logits(model: GPT) -> None:
    x = ids()
    capture = Capture()
    fast = model(x)
    slow = model(x, capture=capture)
    assert fast.shape == (2, 12, CFG.vocab_size)
    torch.testing.assert_close(fast, slow, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(capture["logits"], fast)


def test_capture_names_and_shapes(model: GPT) -> None:
    b, t = 2, 12
    h, d, c, v = CFG.n_head, CFG.head_dim, CFG.n_embd, CFG.vocab_size
    capture = Capture()
    model(ids(b, t), capture=capture)
    expected = {
        "embed.token": (b, t, c),
        "embed.position": (t, c),
        "embed.sum": (b, t, c),
        "ln_f": (b, t, c),
        "logits": (b, t, v),
    }
    for i in range(CFG.n_layer):
        p = f"blocks.{i}"
        expected |= {
            f"{p}.ln1": (b, t, c),
            f"{p}.attn.q": (b, h, t, d),
            f"{p}.attn.k": (b, h, t, d),
            f"{p}.attn.v": (b, h, t, d),
            f"{p}.attn.scores": (b, h, t, t),
            f"{p}.attn.scaled": (b, h, t, t),
            f"{p}.attn.masked": (b, h, t, t),
            f"{p}.attn.weights": (b, h, t, t),
            f"{p}.attn.head_out": (b, h, t, d),
            f"{p}.attn.out": (b, t, c),
            f"{p}.resid_mid": (b, t, c),
            f"{p}.ln2": (b, t, c),
            f"{p}.mlp.act": (b, t, 4 * c),
            f"{p}.resid_post": (b, t, c),
        }
    assert set(capture.names()) == set(expected)
    for name, shape in expected.items():
        tensor = capture[name]
        assert tuple(tensor.shape) == shape, name
        assert tensor.device.type == "cpu" and not tensor.requires_grad
    # The pieces fit together: scaled = scores / sqrt(D), sum = token + position.
    torch.testing.assert_close(capture["blocks.0.attn.scaled"], capture["blocks.0.attn.scores"] / d**0.5)
    torch.testing.assert_close(capture["embed.sum"], capture["embed.token"] + capture["embed.position"])
    torch.testing.assert_close(
        capture["blocks.1.attn.head_out"], capture["blocks.1.attn.weights"] @ capture["blocks.1.attn.v"]
    )


def test_attention_is_causal_and_normalised(model: GPT) -> None:
    capture = Capture(include=lambda name: name.endswith((".weights", ".masked")))
    model(ids(), capture=capture)
    assert all(n.endswith((".weights", ".masked")) for n in capture.names())
    for i in range(CFG.n_layer):
        weights = capture[f"blocks.{i}.attn.weights"]
        torch.testing.assert_close(weights.sum(-1), torch.ones(weights.shape[:-1]))
        above = torch.ones(12, 12, dtype=torch.bool).triu(1)
        assert torch.all(weights[..., above] == 0)
        assert torch.all(capture[f"blocks.{i}.attn.masked"][..., above] == float("-inf"))
        assert torch.all(weights[..., ~above] > 0)


def test_future_tokens_do_not_change_the_past(model: GPT) -> None:
    x = ids(1, 12)
    y = x.clone()
    y[0, 8:] = (y[0, 8:] + 1) % CFG.vocab_size
    torch.testing.assert_close(model(x)[:, :8], model(y)[:, :8])


def test_capture_filter_by_names(model: GPT) -> None:
    capture = Capture(include=["logits", "blocks.1.attn.weights"])
    model(ids(), capture=capture)
    assert capture.names() == ["blocks.1.attn.weights", "logits"]
    with pytest.raises(KeyError):
        capture["blocks.0.attn.weights"]


def test_two_threads_capture_independently(model: GPT) -> None:
    inputs = [ids(1, 10, seed=s) for s in (3, 4)]
    alone = []
    for x in inputs:
        capture = Capture()
        model(x, capture=capture)
        alone.append(capture)
    results: dict[int, Capture] = {}
    barrier = threading.Barrier(2)

    def work(k: int) -> None:
        barrier.wait()
        for _ in range(20):
            capture = Capture()
            model(inputs[k], capture=capture)
            results[k] = capture

    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for k in range(2):
        assert results[k].names() == alone[k].names()
        for name in alone[k].names():
            torch.testing.assert_close(results[k][name], alone[k][name])
    # and nothing was left on the model
    assert not any(isinstance(v, Capture) for v in vars(model).values())


def test_inference_leaves_weights_unchanged(model: GPT) -> None:
    before = {k: v.clone() for k, v in model.state_dict().items()}
    model(ids(), capture=Capture())
    model(ids())
    cache = model.new_kv_cache()
    model(ids(1, 5), kv_cache=cache)
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k]), k


def test_kv_cache_matches_full_forward(model: GPT) -> None:
    x = ids(1, 14)
    full = model(x)
    cache = model.new_kv_cache()
    parts = [model(x[:, :6], kv_cache=cache), model(x[:, 6:11], kv_cache=cache)]
    parts += [model(x[:, t : t + 1], kv_cache=cache) for t in range(11, 14)]
    torch.testing.assert_close(torch.cat(parts, dim=1), full, atol=1e-5, rtol=1e-5)
    assert cache.length == 14
    with pytest.raises(ValueError):
        model(ids(1, 3), kv_cache=cache)  # 17 > block_size 16
    with pytest.raises(ValueError):
        model(x, capture=Capture(), kv_cache=model.new_kv_cache())


def test_too_long_input_is_refused(model: GPT) -> None:
    with pytest.raises(ValueError):
        model(ids(1, CFG.block_size + 1))


def test_learning_rate_schedule() -> None:
    cfg = TrainConfig(max_iters=100, learning_rate=1e-3, min_lr=1e-4, warmup_iters=10)
    assert learning_rate_at(0, cfg) < learning_rate_at(9, cfg) <= 1e-3
    assert learning_rate_at(10, cfg) == pytest.approx(1e-3)
    assert learning_rate_at(55, cfg) == pytest.approx(5.5e-4)
    assert learning_rate_at(100, cfg) == pytest.approx(1e-4)
    assert learning_rate_at(500, cfg) == 1e-4


def test_get_batch_targets_are_shifted_inputs() -> None:
    data = torch.arange(100)
    x, y = get_batch(data, 8, 4, torch.Generator().manual_seed(0))
    assert x.shape == y.shape == (4, 8)
    assert torch.equal(y[:, :-1], x[:, 1:]) and torch.equal(y[:, 0], x[:, 0] + 1)


def test_training_lowers_loss_reproducibly_and_stops_on_request() -> None:
    # A periodic sequence is easy to learn: loss must fall far below log(V).
    data = torch.tensor([1, 2, 3, 4, 5, 6, 7] * 60)
    config = GPTConfig(vocab_size=8, block_size=8, n_layer=1, n_head=2, n_embd=16)
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        net = GPT(config)
        seen = []
        result = train(
            net,
            data,
            data,
            TrainConfig(
                max_iters=150, batch_size=8, learning_rate=1e-2, eval_interval=50, eval_iters=2, warmup_iters=5
            ),
            callback=seen.append,
        )
        runs.append(result)
        assert len(seen) == 150 and seen[-1].val_loss is not None
    assert runs[0].final_val_loss < 0.3  # log(8) = 2.08 for guessing
    assert runs[0].history[0].val_loss > runs[0].final_val_loss
    assert runs[0].final_val_loss == pytest.approx(runs[1].final_val_loss)
    torch.manual_seed(0)
    calls = iter(range(100))
    stopped = train(
        GPT(config),
        data,
        None,
        TrainConfig(max_iters=60, batch_size=4, eval_iters=1),
        should_stop=lambda: next(calls) >= 4,
    )
    assert stopped.stopped_early and stopped.steps == 5


def test_checkpoint_round_trip(tmp_path, model: GPT) -> None:
    tokenizer = CharTokenizer("abcdefghij")
    config = GPTConfig(vocab_size=tokenizer.vocab_size, block_size=8, n_layer=1, n_head=2, n_embd=16)
    torch.manual_seed(1)
    net = GPT(config).eval()
    save_checkpoint(tmp_path / "ck", net, tokenizer, {"final_val_loss": 1.5})
    loaded, loaded_tok = load_checkpoint(tmp_path / "ck")
    assert loaded.config == config and not loaded.training
    assert not any(p.requires_grad for p in loaded.parameters())
    assert loaded.lm_head.weight.data_ptr() == loaded.token_embedding.weight.data_ptr()
    x = torch.tensor([loaded_tok.encode("abcjj")])
    torch.testing.assert_close(loaded(x), net(x))
    assert loaded_tok.encode("cab") == tokenizer.encode("cab")


def test_char_tokenizer() -> None:
    tok = CharTokenizer.train(["国王坐在宝座上。", "下雨了。"])
    ids_ = tok.encode("国王下雨")
    assert tok.decode(ids_) == "国王下雨"
    assert tok.kind == "char" and tok.eos_id == 0 and tok.id_to_token(0) == "⏎"
    assert tok.encode("国王🙂x") == tok.encode("国王")  # unknown characters are left out
    assert tok.unknown_characters("国王🙂x") == ["🙂", "x"]
    with pytest.raises(Exception) as info:
        tok.encode("🙂🙂")
    assert getattr(info.value, "key", "") == "errors.text.nothing_known"
    stream = tok.encode_corpus(["国王", "下雨"])
    assert stream.count(0) == 2 and tok.decode(stream).split("\n")[:2] == ["国王", "下雨"]


def test_bpe_tokenizer_round_trip(tmp_path) -> None:
    sentences = ["The king sat on the throne.", "The queen sat on the throne.", "It rained this morning."] * 30
    tok = BPETokenizer.train(sentences, vocab_size=120)
    assert tok.kind == "bpe" and tok.eos_id == 0
    text = "The king sat on the throne."
    assert tok.decode(tok.encode(text)) == text
    assert tok.decode(tok.encode("The king 国王")) == "The king"
    assert any(t.startswith("▁") for t in tok.tokens(tok.encode(text)))
    with pytest.raises(Exception) as info:
        tok.encode("国王")
    assert getattr(info.value, "key", "") == "errors.text.nothing_known"
    from lm_core.tokenizers.lm import load_tokenizer, save_tokenizer

    save_tokenizer(tok, tmp_path / "t.json")
    again = load_tokenizer(tmp_path / "t.json")
    assert again.encode(text) == tok.encode(text) and again.vocab_size == tok.vocab_size


def test_last_only_logits_match_the_full_pass(model: GPT) -> None:
    x = ids(2, 9)
    last = model(x, last_only=True)
    assert last.shape == (2, 1, CFG.vocab_size)
    torch.testing.assert_close(last[:, 0], model(x)[:, -1])


def test_capture_filter_by_one_name(model: GPT) -> None:
    capture = Capture(include="logits")
    model(ids(), capture=capture)
    assert capture.names() == ["logits"] and len(capture) == 1 and "logits" in capture
