"""Open a Llama-family model the administrator put on the machine: a folder, a GGUF file, a hub id.

Three sources, one network (:class:`~lm_core.models.llama.Llama`), one tokenizer wrapper
(:class:`~lm_core.tokenizers.hf.HFTokenizer`):

(a) **a local folder** as the Hugging Face hub stores a model: ``config.json``, the weights
    as ``*.safetensors`` (one file, or shards listed in ``model.safetensors.index.json``)
    and ``tokenizer.json`` (with ``tokenizer_config.json`` for the chat template). Only
    safetensors is read: nothing in the folder is unpickled or run;
(b) **a local GGUF file** (llama.cpp's format, often 4-bit): de-quantised once with
    ``transformers`` into a folder of kind (a) in the app's cache
    (``~/.cache/llm-explainer/gguf/<name>-<size>-<mtime>``), written whole or not at all, as
    SmolLM2's own cache is (:mod:`lm_core.models.smollm2_cache`);
(c) **a hub id** such as ``Qwen/Qwen2.5-0.5B-Instruct``, downloaded with
    ``huggingface_hub.snapshot_download`` only when the administrator allowed it
    (``LLM_EXPLAINER_ALLOW_HUB=1``); otherwise an InputError, and nothing reaches the network.

:func:`model_facts` reads a source's config *before* any weight is loaded, so the app can
refuse a model that does not fit its memory limit (:func:`estimate_bytes`): parameters × 4
bytes, since the weights are held as float32 on the CPU.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import torch

from lm_core.core.errors import InputError
from lm_core.core.hf import transformers_held
from lm_core.models.llama import Llama, LlamaConfig, config_from_hf, hf_name, weights_from_transformers
from lm_core.tokenizers.hf import HFTokenizer

#: The administrator's switch for hub ids (any other value: hub ids are refused).
ALLOW_HUB_VARIABLE = "LLM_EXPLAINER_ALLOW_HUB"
#: A hub id: ``owner/name`` (letters, digits, ``-``, ``_``, ``.``).
HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")
#: What a hub download fetches (weights as safetensors only, never pickles).
HUB_FILES = ("*.json", "*.safetensors", "tokenizer*", "*.jinja")
#: The bytes of one parameter once loaded (float32 on the CPU).
BYTES_PER_PARAMETER = 4

_LOCK = threading.RLock()


@dataclass(frozen=True)
class ModelFacts:
    """What is known of a source before loading it: its kind, config and size."""

    kind: str  # "folder", "gguf" or "hub"
    config: LlamaConfig
    parameters: int

    @property
    def bytes(self) -> int:
        return self.parameters * BYTES_PER_PARAMETER


def count_parameters(config: LlamaConfig) -> int:
    """Parameters of :class:`Llama` for ``config``, computed from the shape alone (no weights)."""
    width, kv_width, ffn = config.n_embd, config.n_kv_head * config.head_dim, config.ffn_dim
    attention = width * width * 2 + width * kv_width * 2 + (width + 2 * kv_width if config.qkv_bias else 0)
    block = attention + 3 * width * ffn + 2 * width
    head = 0 if config.tie else config.vocab_size * width
    return config.vocab_size * width + config.n_layer * block + width + head


def estimate_bytes(config: LlamaConfig) -> int:
    """The memory the loaded weights take: parameters × 4 bytes (float32)."""
    return count_parameters(config) * BYTES_PER_PARAMETER


# --- which kind of source -----------------------------------------------------------------


def source_kind(source: str) -> str:
    """"folder", "gguf" or "hub" for a source string; InputError when it is none of them."""
    path = Path(source).expanduser()
    if path.is_dir():
        return "folder"
    if path.is_file() and path.suffix.lower() == ".gguf":
        return "gguf"
    if HUB_ID.match(source) and not path.exists() and not source.startswith((".", "/", "~")):
        return "hub"
    raise InputError("models.errors.source_missing", source=source)


def hub_allowed() -> bool:
    return os.environ.get(ALLOW_HUB_VARIABLE, "").strip() == "1"


def _require_hub() -> None:
    if not hub_allowed():
        raise InputError("models.errors.hub_not_allowed", variable=ALLOW_HUB_VARIABLE)


# --- (a) a folder -------------------------------------------------------------------------


def read_config(folder: Path) -> dict:
    try:
        data = json.loads((Path(folder) / "config.json").read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError("models.errors.file_missing", name="config.json", folder=str(folder)) from exc
    except (OSError, ValueError) as exc:
        raise InputError("models.errors.file_unreadable", name="config.json", reason=type(exc).__name__) from exc
    if not isinstance(data, dict):
        raise InputError("models.errors.file_unreadable", name="config.json", reason="not an object")
    return data


def weight_files(folder: Path) -> list[Path]:
    """The safetensors files of a folder: the shards its index names, else every ``*.safetensors``."""
    folder = Path(folder)
    index = folder / "model.safetensors.index.json"
    if index.is_file():
        try:
            shards = sorted(set(json.loads(index.read_text(encoding="utf-8"))["weight_map"].values()))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise InputError("models.errors.file_unreadable", name=index.name, reason=type(exc).__name__) from exc
        files = [folder / shard for shard in shards]
    else:
        files = sorted(folder.glob("*.safetensors"))
    missing = [file.name for file in files if not file.is_file()]
    if not files or missing:
        raise InputError("models.errors.file_missing", name=", ".join(missing) or "*.safetensors", folder=str(folder))
    return files


def folder_facts(folder: Path) -> ModelFacts:
    config = config_from_hf(read_config(folder))
    return ModelFacts("folder", config, count_parameters(config))


def load_folder(folder: Path) -> tuple[Llama, HFTokenizer]:
    """``(model, tokenizer)`` from a Hugging Face model folder: float32, eval mode, no gradients."""
    from safetensors import safe_open

    folder = Path(folder).expanduser()
    hf_config = read_config(folder)
    config = config_from_hf(hf_config)
    if not (folder / "tokenizer.json").is_file():
        raise InputError("models.errors.file_missing", name="tokenizer.json", folder=str(folder))
    tokenizer = HFTokenizer(folder, hf_config)
    wanted = {hf_name(name): name for name in _parameter_names(config)}
    state: dict[str, torch.Tensor] = {}
    for file in weight_files(folder):
        with safe_open(str(file), framework="pt") as handle:
            for key in handle.keys():  # noqa: SIM118 - safe_open is not a mapping
                if key in wanted:  # one tensor at a time: a bfloat16 file never sits twice in memory
                    state[wanted[key]] = handle.get_tensor(key).to(torch.float32).contiguous()
    missing = [theirs for theirs, ours in wanted.items() if ours not in state]
    if missing:
        raise InputError("models.errors.weights_missing", names=", ".join(missing[:3]), count=len(missing))
    return _built(config, state), tokenizer


def _parameter_names(config: LlamaConfig) -> list[str]:
    with torch.device("meta"):
        return list(Llama(config).state_dict())


def _built(config: LlamaConfig, state: dict[str, torch.Tensor]) -> Llama:
    """The model holding ``state``: ordinary tensors even under ``torch.inference_mode()``."""
    with torch.inference_mode(False):
        with torch.device("meta"):
            model = Llama(config)
        shapes = {name: tuple(p.shape) for name, p in model.state_dict().items()}
        wrong = [name for name, shape in shapes.items() if tuple(state[name].shape) != shape]
        if wrong:
            raise InputError("models.errors.weights_shape", names=", ".join(hf_name(n) for n in wrong[:3]))
        model.load_state_dict(state, assign=True, strict=True)
    model.eval()
    model.requires_grad_(False)
    return model


# --- (b) a GGUF file ----------------------------------------------------------------------


def gguf_cache_dir(path: Path) -> Path:
    """Where a GGUF file's de-quantised copy lives: one folder per file name, size and date."""
    from lm_core.models.smollm2_cache import cache_dir

    stat = path.stat()
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", path.stem)[:80]
    return cache_dir().parent / "gguf" / f"{safe}-{stat.st_size}-{stat.st_mtime_ns}"


def dequantise_gguf(path: Path):  # noqa: ANN201 (transformers' model and tokenizer)
    """transformers' float32 model and its tokenizer for a GGUF file (read locally).

    transformers is kept offline here unless the administrator allowed hub models (then the
    process must stay able to download them: huggingface_hub reads the switch once)."""
    if not hub_allowed():
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
    path = Path(path)
    with transformers_held() as transformers:
        hf_tok = transformers.AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
        hf = transformers.AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name,
                                                               dtype=torch.float32)
    return hf, hf_tok


def _gguf_metadata(path: Path) -> dict:
    """The GGUF header as a ``config.json`` would say it (read without de-quantising)."""
    import gguf

    reader = gguf.GGUFReader(str(path))

    def value(key: str, default=None):  # noqa: ANN001, ANN202
        field = reader.fields.get(key)
        return field.contents() if field is not None else default

    arch = value("general.architecture", "llama")
    tokens = reader.fields.get("tokenizer.ggml.tokens")
    return {
        "model_type": arch,
        "num_hidden_layers": value(f"{arch}.block_count"),
        "hidden_size": value(f"{arch}.embedding_length"),
        "intermediate_size": value(f"{arch}.feed_forward_length"),
        "num_attention_heads": value(f"{arch}.attention.head_count"),
        "num_key_value_heads": value(f"{arch}.attention.head_count_kv"),
        "max_position_embeddings": value(f"{arch}.context_length"),
        "rope_theta": value(f"{arch}.rope.freq_base", 10000.0),
        "rms_norm_eps": value(f"{arch}.attention.layer_norm_rms_epsilon", 1e-6),
        "vocab_size": value(f"{arch}.vocab_size", len(tokens.data) if tokens is not None else None),
        "tie_word_embeddings": not any(t.name == "output.weight" for t in reader.tensors),
    }


def gguf_facts(path: Path) -> ModelFacts:
    cached = gguf_cache_dir(path)
    if (cached / "config.json").is_file():
        config = config_from_hf(read_config(cached))
    else:
        try:
            config = config_from_hf(_gguf_metadata(path))
        except (ValueError, KeyError, TypeError, OSError) as exc:
            if isinstance(exc, InputError):
                raise
            raise InputError("models.errors.file_unreadable", name=path.name, reason=type(exc).__name__) from exc
    return ModelFacts("gguf", config, count_parameters(config))


def ensure_gguf_folder(path: Path) -> Path:
    """The de-quantised folder of a GGUF file, converting it once (written whole or not at all)."""
    target = gguf_cache_dir(path)
    with _LOCK:
        if (target / "config.json").is_file():
            return target
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=".partial-", dir=target.parent))
        except OSError as exc:
            raise InputError("models.errors.cache_unwritable", folder=str(target.parent),
                             reason=exc.strerror or type(exc).__name__) from exc
        try:
            hf, hf_tok = dequantise_gguf(path)
            # transformers will not save a model it read from GGUF: write our own folder of kind (a)
            hf_config = hf.config.to_dict()
            config = config_from_hf(hf_config)
            model = _built(config, weights_from_transformers(hf.state_dict(), config))
            eos = {"eos_token_id": hf_config.get("eos_token_id"), "bos_token_id": hf_config.get("bos_token_id")}
            save_folder(model, staging, extra_config={"model_type": hf_config.get("model_type", "llama"), **eos})
            hf_tok.save_pretrained(str(staging))
            os.replace(staging, target)  # last: a folder with a config.json was finished
        except OSError as exc:
            raise InputError("models.errors.cache_unwritable", folder=str(target.parent),
                             reason=exc.strerror or type(exc).__name__) from exc
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return target


# --- (c) a hub id -------------------------------------------------------------------------


def hub_facts(repo_id: str) -> ModelFacts:
    """The config of a hub model, downloading ``config.json`` alone (allowed hubs only)."""
    _require_hub()
    from huggingface_hub import hf_hub_download

    try:
        config_file = hf_hub_download(repo_id, "config.json")
    except Exception as exc:  # noqa: BLE001 - offline, unknown repo, gated: one message
        raise InputError("models.errors.hub_failed", source=repo_id, reason=type(exc).__name__) from exc
    config = config_from_hf(read_config(Path(config_file).parent))
    return ModelFacts("hub", config, count_parameters(config))


def hub_folder(repo_id: str) -> Path:
    _require_hub()
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(repo_id, allow_patterns=list(HUB_FILES)))
    except Exception as exc:  # noqa: BLE001
        raise InputError("models.errors.hub_failed", source=repo_id, reason=type(exc).__name__) from exc


# --- one entry point -----------------------------------------------------------------------


def model_facts(source: str) -> ModelFacts:
    """Kind, config and parameter count of ``source``, read before loading any weight."""
    kind = source_kind(source)
    if kind == "folder":
        return folder_facts(Path(source).expanduser())
    if kind == "gguf":
        return gguf_facts(Path(source).expanduser())
    return hub_facts(source)


def open_model(source: str) -> tuple[Llama, HFTokenizer]:
    """``(model, tokenizer)`` for a folder, a GGUF file or (when allowed) a hub id."""
    kind = source_kind(source)
    if kind == "folder":
        return load_folder(Path(source).expanduser())
    if kind == "gguf":
        return load_folder(ensure_gguf_folder(Path(source).expanduser()))
    return load_folder(hub_folder(source))


# --- the tokenizer alone ------------------------------------------------------------------

#: What a hub download of the tokenizer alone fetches (no weights).
HUB_TOKENIZER_FILES = ("tokenizer*", "config.json", "generation_config.json", "*.jinja")


def open_tokenizer(source: str) -> HFTokenizer:
    """A source's tokenizer without reading any weight: chapter 1 counts tokens with it, and a
    model too big for the server's memory can still show how it cuts a sentence.

    A folder: its ``tokenizer.json``; a GGUF file: its converted folder when there is one,
    else the vocabulary stored in the file's header (through ``transformers``); a hub id
    (allowed hubs only): the tokenizer files, not the weights."""
    kind = source_kind(source)
    if kind == "folder":
        return _folder_tokenizer(Path(source).expanduser())
    if kind == "gguf":
        path = Path(source).expanduser()
        if (gguf_cache_dir(path) / "config.json").is_file():
            return _folder_tokenizer(gguf_cache_dir(path))
        return _gguf_tokenizer(path)
    _require_hub()
    from huggingface_hub import snapshot_download

    try:
        folder = Path(snapshot_download(source, allow_patterns=list(HUB_TOKENIZER_FILES)))
    except Exception as exc:  # noqa: BLE001 - offline, unknown repo, gated: one message
        raise InputError("models.errors.hub_failed", source=source, reason=type(exc).__name__) from exc
    return _folder_tokenizer(folder)


def _folder_tokenizer(folder: Path) -> HFTokenizer:
    if not (folder / "tokenizer.json").is_file():
        raise InputError("models.errors.file_missing", name="tokenizer.json", folder=str(folder))
    try:
        config = read_config(folder)
    except InputError:
        config = {}  # the end token may come from config.json; counting tokens does not need it
    return HFTokenizer(folder, config)


def _gguf_tokenizer(path: Path) -> HFTokenizer:
    """The GGUF file's tokenizer, written by ``transformers`` into a passing folder and read back."""
    if not hub_allowed():
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
    with tempfile.TemporaryDirectory(prefix="llm-explainer-tokenizer-") as staging:
        try:
            with transformers_held() as transformers:
                tokenizer = transformers.AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
                tokenizer.save_pretrained(staging)
        except Exception as exc:  # noqa: BLE001 - a damaged header, an unknown tokenizer kind
            raise InputError("models.errors.file_unreadable", name=path.name, reason=type(exc).__name__) from exc
        return _folder_tokenizer(Path(staging))


# --- writing a folder (tests, and SmolLM2 as an example of the layout) --------------------


def save_folder(model: Llama, folder: Path, tokenizer_json: Path | None = None, extra_config: dict | None = None,
                tokenizer_config: dict | None = None) -> Path:
    """Write ``model`` as a Hugging Face folder (transformers' names and config keys): the
    layout :func:`load_folder` reads, e.g. SmolLM2's cache turned into a folder a teacher
    could also open with ``transformers``."""
    from safetensors.torch import save_file

    from lm_core.models.llama import HF_CONFIG

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cfg = model.config
    state = {hf_name(name): tensor.contiguous() for name, tensor in model.state_dict().items()}
    save_file(state, str(folder / "model.safetensors"), metadata={"format": "pt"})
    rope = {"rope_theta": cfg.rope_theta, "rope_type": cfg.rope_type, **dict(cfg.rope_scaling)}
    config = {
        "model_type": "qwen2" if cfg.qkv_bias else "llama",
        "architectures": ["Qwen2ForCausalLM" if cfg.qkv_bias else "LlamaForCausalLM"],
        **{theirs: getattr(cfg, ours) for ours, theirs in HF_CONFIG.items()},
        "rope_parameters": rope,
        "tie_word_embeddings": cfg.tie,
        "hidden_act": "silu",
        "torch_dtype": "float32",
        **(extra_config or {}),
    }
    (folder / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    if tokenizer_json is not None:
        shutil.copyfile(tokenizer_json, folder / "tokenizer.json")
    if tokenizer_config is not None:
        (folder / "tokenizer_config.json").write_text(json.dumps(tokenizer_config, indent=2), encoding="utf-8")
    return folder


__all__ = [
    "ModelFacts",
    "count_parameters",
    "estimate_bytes",
    "model_facts",
    "open_model",
    "open_tokenizer",
    "save_folder",
    "source_kind",
]

