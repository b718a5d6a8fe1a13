"""The engine's spine: device choice, threads, seeds, input validation, MiniLM."""

import threading

import numpy as np
import pytest
import torch

from lm_core.core import device, seeding, text
from lm_core.core.errors import InputError


def test_pick_device_defaults_to_cpu_without_accelerator(monkeypatch):
    monkeypatch.delenv("LLM_EXPLAINER_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert device.pick_device().type == "cpu"


def test_pick_device_prefers_cuda_then_env_override(monkeypatch):
    monkeypatch.delenv("LLM_EXPLAINER_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert device.pick_device().type == "cuda"
    monkeypatch.setenv("LLM_EXPLAINER_DEVICE", "cpu")
    assert device.pick_device().type == "cpu"


def test_describe_device_names_the_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert device.describe_device(torch.device("cpu")).startswith("CPU")


def test_inference_threads_sets_and_restores(monkeypatch):
    torch.set_num_threads(2)
    try:
        with device.inference_threads():
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 2
        monkeypatch.setenv("LLM_EXPLAINER_THREADS", "2")
        assert device.default_inference_threads() == 2
        monkeypatch.setenv("LLM_EXPLAINER_THREADS", "lots")
        assert device.default_inference_threads() == 1
    finally:
        torch.set_num_threads(1)


def test_seed_everything_makes_global_streams_repeat():
    seeding.seed_everything(11)
    a = (torch.rand(2), np.random.rand(2))
    seeding.seed_everything(11)
    b = (torch.rand(2), np.random.rand(2))
    assert torch.equal(a[0], b[0]) and np.array_equal(a[1], b[1])


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("", "errors.text.empty"),
        ("   \n\t ", "errors.text.empty"),
        (None, "errors.text.empty"),
        ("!!! ??? ...", "errors.text.no_words"),
        ("😀🎉🔥", "errors.text.no_words"),
        ("x" * 100_000, "errors.text.too_long"),
    ],
)
def test_clean_text_rejects_bad_input_with_a_key(raw, key):
    with pytest.raises(InputError) as info:
        text.clean_text(raw)
    assert info.value.key == key


def test_clean_text_keeps_real_text_of_any_script():
    assert text.clean_text("  It rained this morning.  ") == "It rained this morning."
    assert text.clean_text("今天早上下雨了。") == "今天早上下雨了。"
    assert text.clean_text("I ❤️ llamas 🦙") == "I ❤️ llamas 🦙"
    # HTML is text like any other; escaping is the drawer's job.
    assert text.clean_text("<script>alert(1)</script>") == "<script>alert(1)</script>"
    # Control characters go, NFC composes.
    assert text.clean_text("cafe\u0301\x07") == "café"


def test_too_long_error_carries_the_numbers():
    with pytest.raises(InputError) as info:
        text.clean_text("a" * 30, max_chars=20)
    assert info.value.params == {"limit": 20, "length": 30}
    assert "errors.text.too_long" in str(info.value)


def test_decode_upload_accepts_text_and_refuses_binary_empty_and_huge():
    assert text.decode_upload(b"rain and thunder\n") == "rain and thunder"
    assert text.decode_upload("下雨了".encode("gb18030")) == "下雨了"
    assert text.decode_upload("llamas".encode("utf-16")) == "llamas"
    for data, key in [
        (b"", "errors.file.empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "errors.file.not_text"),
        (bytes(range(1, 32)) * 10, "errors.file.not_text"),
        (b"a" * (3 * 1024 * 1024), "errors.file.too_large"),
    ]:
        with pytest.raises(InputError) as info:
            text.decode_upload(data)
        assert info.value.key == key


def test_minilm_contextual_vectors_differ_by_context():
    from lm_core.models import minilm

    river = minilm.contextual_word_vectors("We sat on the bank of the river.", "bank")
    money = minilm.contextual_word_vectors("She put her money in the bank.", "bank")
    money2 = minilm.contextual_word_vectors("The bank gave him a loan for his money.", "bank")
    assert river.shape == (384,)

    def cos(a, b):
        return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))

    assert cos(money, money2) > cos(river, money)
    assert cos(river, money) < 0.99  # context changed the vector
    with pytest.raises(InputError):
        minilm.contextual_word_vectors("We sat on the bank.", "llama")


def test_minilm_loads_once_across_threads():
    from lm_core.models import minilm

    # Start cold (an earlier test may have loaded it already) and release three threads at
    # once: without the lock each would build its own model.
    minilm.load_minilm.cache_clear()
    results = []
    start = threading.Barrier(3)

    def load():
        start.wait()
        results.append(minilm.load_minilm()[1])

    threads = [threading.Thread(target=load) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(model) for model in results}) == 1
    model = results[0]
    assert not model.training
    assert not any(p.requires_grad for p in model.parameters())
    tokens, outputs = minilm.run_minilm("It rained this morning", output_attentions=True)
    assert tokens[0] == "[CLS]" and tokens[-1] == "[SEP]"
    assert len(outputs.attentions) == 6 and outputs.attentions[0].shape[1] == 12
    with pytest.raises(InputError) as info:
        minilm.encode("word " * 300)
    assert info.value.key == "errors.text.too_many_tokens"
