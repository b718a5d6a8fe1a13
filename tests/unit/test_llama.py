"""The Llama family from a config: SmolLM2 unchanged, open models loaded from a folder, a GGUF
file or (refused offline) a hub id, checked against transformers' own implementations."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from lm_core.core.errors import InputError
from lm_core.models import open_model
from lm_core.models.llama import Llama, LlamaConfig, config_from_hf
from lm_core.models.smollm2 import SmolConfig, SmolLM2
from tests.tiny_llama import tiny_tokenizer_json, tokenizer_settings

REFERENCE = Path(__file__).parent / "data" / "smollm2_reference.safetensors"


def same_as_saved(now: torch.Tensor, saved: torch.Tensor) -> None:
    """Logits equal to those saved on another machine, but for float32 rounding: its CPU's
    kernels (another SIMD width) add in another order: 3.2e-6 of the largest logit for SmolLM2's
    30 layers, 2.4e-7 for the tiny model (seen on an AVX-512 machine); a changed computation
    moves them by far more than the 5e-5 of it allowed here."""
    scale = float(saved.abs().max())
    torch.testing.assert_close(now, saved, rtol=5e-5, atol=5e-5 * scale)


def test_smollm2_logits_equal_those_saved_before_the_llama_family():
    """A tiny random SmolConfig model: the very logits the SmolLM2 code on main computed."""
    ref = load_file(str(REFERENCE))
    model = SmolLM2(SmolConfig(vocab_size=50, n_layer=2, n_head=4, n_kv_head=2, n_embd=32, ffn_dim=48, block_size=16))
    model.load_state_dict({name[len("tiny."):]: t for name, t in ref.items() if name.startswith("tiny.")})
    with torch.inference_mode():
        same_as_saved(model.eval()(ref["tiny_ids"])[0], ref["tiny_logits"])
    assert SmolLM2 is Llama and SmolConfig() == LlamaConfig()  # SmolLM2 is one instance of the family


def test_parameter_count_from_the_config_alone():
    assert open_model.count_parameters(SmolConfig()) == 134_515_008  # SmolLM2-135M, tied
    for shape in ({"tie": False, "qkv_bias": True}, {"tie": True}):
        config = LlamaConfig(vocab_size=64, n_layer=2, n_head=4, n_kv_head=2, n_embd=32, ffn_dim=48, **shape)
        with torch.device("meta"):
            assert open_model.count_parameters(config) == Llama(config).num_parameters()
    assert open_model.estimate_bytes(SmolConfig()) == 4 * 134_515_008


def test_configs_that_are_refused_name_what():
    base = {"model_type": "llama", "vocab_size": 64, "num_hidden_layers": 1, "num_attention_heads": 4,
            "hidden_size": 32, "intermediate_size": 48, "max_position_embeddings": 64, "rms_norm_eps": 1e-6}
    with pytest.raises(InputError) as refused:
        config_from_hf({**base, "rope_scaling": {"rope_type": "yarn", "factor": 4.0}})
    assert refused.value.key == "models.errors.rope_scaling" and refused.value.params["kind"] == "yarn"
    with pytest.raises(InputError) as refused:
        config_from_hf({**base, "model_type": "gemma"})
    assert refused.value.params["kind"] == "gemma"
    mistral = config_from_hf({**base, "model_type": "mistral", "max_position_embeddings": 32768, "sliding_window": 512})
    assert mistral.block_size == 512  # within its sliding window, full attention is the same
    assert config_from_hf({**base, "rope_theta": 500000.0}).rope_theta == 500000.0  # the older layout
    assert config_from_hf(base).n_kv_head == 4 and not config_from_hf(base).tie


def test_hub_ids_are_refused_unless_the_administrator_allows_them(monkeypatch, tmp_path):
    monkeypatch.delenv(open_model.ALLOW_HUB_VARIABLE, raising=False)
    assert open_model.source_kind("Qwen/Qwen2.5-0.5B-Instruct") == "hub"
    for call in (open_model.model_facts, open_model.open_model):
        with pytest.raises(InputError) as refused:
            call("Qwen/Qwen2.5-0.5B-Instruct")
        assert refused.value.key == "models.errors.hub_not_allowed"
    with pytest.raises(InputError) as missing:
        open_model.source_kind(str(tmp_path / "nothing-here"))
    assert missing.value.key == "models.errors.source_missing"


# --- checked against transformers ------------------------------------------------------------


def _save_transformers(model, folder: Path) -> Path:  # noqa: ANN001
    model.save_pretrained(str(folder))
    tiny_tokenizer_json(folder / "tokenizer.json")
    (folder / "tokenizer_config.json").write_text(json.dumps(tokenizer_settings()), encoding="utf-8")
    return folder


def _max_difference(folder: Path, reference, length: int) -> float:  # noqa: ANN001
    ours, tokenizer = open_model.open_model(str(folder))
    ids = torch.randint(0, tokenizer.vocab_size, (1, length), generator=torch.Generator().manual_seed(1))
    with torch.inference_mode():
        difference = float((ours(ids) - reference(ids).logits).abs().max())
    print(f"{folder.name}: max |logit difference| with transformers {difference:.1e}")
    return difference


def test_a_qwen2_shaped_model_matches_transformers(tmp_path):
    """q/k/v biases, an untied head, 4 query heads on 2 key/value heads, RoPE base 50,000."""
    from transformers import Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(0)
    config = Qwen2Config(vocab_size=300, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                         num_key_value_heads=2, intermediate_size=48, rope_theta=50000.0, tie_word_embeddings=False,
                         max_position_embeddings=256)
    reference = Qwen2ForCausalLM(config).eval()
    with torch.no_grad():  # biases start at zero: make them matter
        for name, parameter in reference.named_parameters():
            if name.endswith("bias"):
                parameter.normal_(0.0, 0.5)
    folder = _save_transformers(reference, tmp_path / "qwen2")
    loaded, tokenizer = open_model.open_model(str(folder))
    assert loaded.config.qkv_bias and not loaded.config.tie and loaded.config.rope_theta == 50000.0
    assert open_model.model_facts(str(folder)).parameters == loaded.num_parameters() == reference.num_parameters()
    assert _max_difference(folder, reference, 24) < 1e-4
    text = "The cat sat, 小猫坐着"
    assert tokenizer.decode(tokenizer.encode(text)) == text
    assert tokenizer.eos_id == tokenizer.encode("<|im_end|>")[0]
    assert tokenizer.chat_prompt([{"role": "user", "content": "hi"}]).endswith("<|im_start|>assistant\n")
    assert "⟨" in "".join(tokenizer.tokens(tokenizer.encode("暖")))  # a piece of a character shows as bytes


def test_a_llama3_model_with_rope_scaling_matches_transformers(tmp_path):
    """RoPE stretched the Llama 3 way, on a text longer than its original window (16)."""
    from transformers import LlamaConfig as HFLlamaConfig
    from transformers import LlamaForCausalLM

    torch.manual_seed(1)
    scaling = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
               "original_max_position_embeddings": 16}
    config = HFLlamaConfig(vocab_size=300, hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                           num_key_value_heads=1, intermediate_size=96, rope_theta=500000.0,
                           rope_parameters={"rope_theta": 500000.0, **scaling}, tie_word_embeddings=True,
                           max_position_embeddings=128)
    reference = LlamaForCausalLM(config).eval()
    folder = _save_transformers(reference, tmp_path / "llama3")
    ours, _ = open_model.open_model(str(folder))
    assert ours.config.rope_type == "llama3" and ours.config.tie
    assert _max_difference(folder, reference, 48) < 1e-4
    plain = LlamaConfig(**{**ours.config.to_dict(), "rope_scaling": ()})
    assert not torch.allclose(ours.rope_frequencies(), Llama.rope_frequencies(Llama(plain)))  # it did stretch


# --- SmolLM2 through the folder path ----------------------------------------------------------


@pytest.fixture(scope="module")
def smollm2():
    from lm_core.models.smollm2_cache import load_smollm2, smollm2_available

    if not smollm2_available():
        pytest.skip("SmolLM2's package is not installed")
    return load_smollm2()


def test_smollm2_written_as_a_folder_loads_with_the_same_logits(smollm2, tmp_path):
    from lm_core.models.smollm2_cache import cache_dir

    model, tokenizer = smollm2
    ref = load_file(str(REFERENCE))
    ids = ref["ids"][None]
    with torch.inference_mode():
        shipped = model(ids)
    same_as_saved(shipped[0, :, :256], ref["logits"])  # unchanged since before the refactor
    settings = {"eos_token": "<|im_end|>", "chat_template": open_model_chat_template()}
    folder = open_model.save_folder(model, tmp_path / "smollm2", cache_dir() / "tokenizer.json",
                                    tokenizer_config=settings)
    start = time.perf_counter()
    loaded, hf_tokenizer = open_model.open_model(str(folder))
    print(f"SmolLM2 folder loaded in {time.perf_counter() - start:.1f} s")
    with torch.inference_mode():
        assert torch.equal(loaded(ids), shipped)
    text = "Hello, 你好"
    assert hf_tokenizer.encode(text) == tokenizer.encode(text) and hf_tokenizer.eos_id == tokenizer.eos_id
    assert hf_tokenizer.tokens(tokenizer.encode(text)) == tokenizer.tokens(tokenizer.encode(text))
    chat = [{"role": "user", "content": "Hi"}]
    assert hf_tokenizer.chat_prompt(chat) == tokenizer.chat_prompt(chat)
    chat_ids = tokenizer.encode(tokenizer.chat_prompt(chat))
    assert hf_tokenizer.turn_roles(chat_ids) == tokenizer.turn_roles(chat_ids)  # ChatML's turns read alike


def open_model_chat_template() -> str:
    """SmolLM2's own chat template (as its GGUF file carries it)."""
    return (
        "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
        "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}"
        "{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
        "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
    )


# --- the administrator's list -----------------------------------------------------------------


def test_the_model_list_is_read_and_checked(tmp_path):
    from lm_core.models import model_list

    good = tmp_path / "models.toml"
    good.write_text('[[model]]\nname = "qwen2.5-0.5b"\nlabel = "Qwen2.5 0.5B"\nsource = "/models/q"\n'
                    'max_memory_gb = 3\nmax_seconds = 20\n', encoding="utf-8")
    (entry,), problem = model_list.read_model_list(good)
    assert problem is None and (entry.name, entry.max_memory_gb, entry.max_seconds) == ("qwen2.5-0.5b", 3.0, 20.0)
    for text, says in (('[[model]]\nname = "minilm"\nsource = "x"\n', "shipped"),
                       ('[[model]]\nname = "A B"\nsource = "x"\n', "lower-case"),
                       ('[[model]]\nname = "a"\nsource = "x"\nmax_seconds = -1\n', "max_seconds"),
                       ('[[model]]\nname = "a"\nsource = "x"\n[[model]]\nname = "a"\nsource = "y"\n', "twice"),
                       ("[[model]\n", "")):
        good.write_text(text, encoding="utf-8")
        entries, problem = model_list.read_model_list(good)
        assert entries == () and problem.key == "models.list.bad" and says in problem.params["reason"]


def test_memory_is_checked_against_the_tightest_limit(monkeypatch):
    from lm_core.models.model_list import GB, ModelEntry, check_memory

    monkeypatch.setenv("LLM_EXPLAINER_MODEL_MEMORY_GB", "4")
    entry = ModelEntry(name="m", label="M", source="/m", max_memory_gb=2)
    check_memory(entry, int(1.5 * GB), free_bytes=8 * GB)
    for needed, free, which in ((3 * GB, 8 * GB, "model"), (3 * GB, 1 * GB, "machine")):
        with pytest.raises(InputError) as refused:
            check_memory(entry, needed, free_bytes=free)
        assert refused.value.key == f"models.limits.too_big_{which}"
    with pytest.raises(InputError) as refused:
        check_memory(ModelEntry(name="m", label="M", source="/m"), 5 * GB, free_bytes=64 * GB)
    assert refused.value.key == "models.limits.too_big_server" and refused.value.params["limit"] == 4.0


def test_a_gguf_file_is_dequantised_once_and_loads_with_the_same_logits(tmp_path, monkeypatch):
    """llama.cpp's format: read through transformers once, then a folder of our cache (~5 s,
    most of it transformers' GGUF reader starting)."""
    from tests.tiny_llama import write_tiny_gguf

    monkeypatch.setenv("LLM_EXPLAINER_CACHE", str(tmp_path / "cache"))
    path, written = write_tiny_gguf(tmp_path / "tiny.gguf")
    facts = open_model.model_facts(str(path))  # from the header alone
    assert facts.kind == "gguf" and facts.parameters == written.num_parameters()
    loaded, tokenizer = open_model.open_model(str(path))
    ids = torch.tensor([[5, 9, 33, 70, 100, 7]])
    with torch.inference_mode():
        assert (loaded(ids) - written(ids)).abs().max() < 1e-5
    assert tokenizer.eos_id == 2 and tokenizer.chat_prompt([{"role": "user", "content": "hi"}]).startswith("<|im_start|>")
    assert open_model.gguf_cache_dir(path).is_dir()  # the next start reads the folder


def test_the_end_token_is_the_turns_end_the_tokenizer_names(tmp_path):
    """Llama 3.2 lists three end ids in generation_config.json; its chat turns end with the
    one tokenizer_config.json names (here <|im_end|>, id 2), not the first of the list."""
    from lm_core.tokenizers.hf import HFTokenizer

    tiny_tokenizer_json(tmp_path / "tokenizer.json")
    (tmp_path / "generation_config.json").write_text(json.dumps({"eos_token_id": [0, 2]}), encoding="utf-8")
    (tmp_path / "tokenizer_config.json").write_text(json.dumps({"eos_token": "<|im_end|>"}), encoding="utf-8")
    assert HFTokenizer(tmp_path).eos_id == 2
    (tmp_path / "tokenizer_config.json").unlink()
    assert HFTokenizer(tmp_path).eos_id == 0 and not HFTokenizer(tmp_path).has_chat


def test_a_tokenizer_opens_alone_without_reading_weights(tmp_path, monkeypatch):
    """Chapter 1 counts tokens with a configured model's tokenizer: no weight file is opened."""
    import shutil

    folder = tmp_path / "tokenizer-only"
    folder.mkdir()
    shutil.copyfile(tiny_tokenizer_json(tmp_path / "tokenizer.json"), folder / "tokenizer.json")
    (folder / "tokenizer_config.json").write_text(json.dumps(tokenizer_settings()), encoding="utf-8")
    tokenizer = open_model.open_tokenizer(str(folder))  # no config.json, no weights: still a tokenizer
    text = "The cat sat. 小猫"
    tokens = tokenizer.lesson_tokens(text)
    assert tokens.ids == tokenizer.encode(text) and tokens.decoded == text
    assert "".join(text[token.start:token.end] for token in tokens.tokens if token.start >= 0).startswith("The cat")
    assert tokens.tokens[1].display.startswith(" ")  # "Ġcat" reads " cat"
    (folder / "tokenizer.json").unlink()
    with pytest.raises(InputError) as missing:
        open_model.open_tokenizer(str(folder))
    assert missing.value.key == "models.errors.file_missing"
    monkeypatch.delenv(open_model.ALLOW_HUB_VARIABLE, raising=False)
    with pytest.raises(InputError, match="hub_not_allowed"):
        open_model.open_tokenizer("Qwen/Qwen2.5-0.5B-Instruct")
