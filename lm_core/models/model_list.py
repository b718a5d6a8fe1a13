"""The administrator's list of extra models: a TOML file named by ``LLM_EXPLAINER_MODELS``.

A student never types a path: the person running the server writes, once::

    [[model]]
    name = "qwen2.5-0.5b"                       # the id in links (?model=qwen2.5-0.5b)
    label = "Qwen2.5 0.5B Instruct"             # what the model box shows
    source = "/models/Qwen2.5-0.5B-Instruct"    # a folder, a .gguf file, or a hub id
    max_memory_gb = 3                           # optional: refused above it
    max_seconds = 20                            # optional: a generation stops there

and chapters 5 and 7 offer those models next to the shipped ones. A file that cannot be read
gives one message (:func:`read_model_list` returns it beside an empty list) and the app keeps
its shipped models. Before any weight is loaded, :func:`check_memory` compares the model's
float32 size (read from its config) with three limits: the entry's ``max_memory_gb``, the
server's ``LLM_EXPLAINER_MODEL_MEMORY_GB`` (default 4) and the memory the machine has free.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from lm_core.core.errors import InputError

LIST_VARIABLE = "LLM_EXPLAINER_MODELS"
MEMORY_VARIABLE = "LLM_EXPLAINER_MODEL_MEMORY_GB"
DEFAULT_MEMORY_GB = 4.0
#: A name as it appears in a link: lower-case letters, digits, ``.``, ``-``, ``_``.
NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,47}$")
#: Names the shipped models use in links (a configured model may not take them).
RESERVED = ("smollm2", "minilm", "own", "gpt_toy_en", "gpt_toy_zh")
GB = 1024**3


@dataclass(frozen=True)
class ModelEntry:
    """One model of the administrator's list."""

    name: str
    label: str
    source: str
    max_memory_gb: float | None = None
    max_seconds: float | None = None


def list_path() -> Path | None:
    value = os.environ.get(LIST_VARIABLE, "").strip()
    return Path(value).expanduser() if value else None


def read_model_list(path: Path | None = None) -> tuple[tuple[ModelEntry, ...], InputError | None]:
    """``(entries, problem)``: the models the file lists, or none and the message saying why.

    No variable set: no entries and no problem. Any problem in the file (unreadable, not
    TOML, a field missing or of the wrong type, a name used twice or taken by a shipped
    model) refuses the whole file: half a list would make links that work on one server
    and not on the next.
    """
    path = path if path is not None else list_path()
    if path is None:
        return (), None
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
        return _entries(data), None
    except InputError as exc:
        return (), InputError("models.list.bad", file=str(path), reason=_reason(exc))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        return (), InputError("models.list.bad", file=str(path), reason=str(exc)[:160] or type(exc).__name__)


def _reason(exc: InputError) -> str:
    return str(exc.params.get("problem", exc.key))


def _entries(data: dict) -> tuple[ModelEntry, ...]:
    rows = data.get("model")
    if not isinstance(rows, list) or not rows:
        raise InputError("models.list.bad", problem="no [[model]] table")
    entries: list[ModelEntry] = []
    for number, row in enumerate(rows, start=1):
        entries.append(_entry(number, row))
    names = [entry.name for entry in entries]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise InputError("models.list.bad", problem=f"name used twice: {', '.join(twice)}")
    return tuple(entries)


def _entry(number: int, row: object) -> ModelEntry:
    def wrong(what: str) -> InputError:
        return InputError("models.list.bad", problem=f"model {number}: {what}")

    if not isinstance(row, dict):
        raise wrong("not a table")
    unknown = sorted(set(row) - {"name", "label", "source", "max_memory_gb", "max_seconds"})
    if unknown:
        raise wrong(f"unknown field {', '.join(unknown)}")
    name, label, source = row.get("name"), row.get("label", row.get("name")), row.get("source")
    if not isinstance(name, str) or not NAME.match(name):
        raise wrong("name must be lower-case letters, digits, '.', '-' or '_'")
    if name in RESERVED or name.startswith(("gpt_", "own:")):
        raise wrong(f"name {name!r} belongs to a shipped model")
    if not isinstance(label, str) or not label.strip():
        raise wrong("label must be text")
    if not isinstance(source, str) or not source.strip():
        raise wrong("source must be a folder, a .gguf file or a hub id")
    limits = {}
    for field in ("max_memory_gb", "max_seconds"):
        value = row.get(field)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float) or value <= 0):
            raise wrong(f"{field} must be a positive number")
        limits[field] = None if value is None else float(value)
    return ModelEntry(name=name, label=label.strip()[:80], source=source.strip(), **limits)


# --- memory ---------------------------------------------------------------------------------


def server_limit_gb() -> float:
    """The server's limit for any configured model (``LLM_EXPLAINER_MODEL_MEMORY_GB``, default 4)."""
    try:
        value = float(os.environ.get(MEMORY_VARIABLE, "") or DEFAULT_MEMORY_GB)
    except ValueError:
        return DEFAULT_MEMORY_GB
    return value if value > 0 else DEFAULT_MEMORY_GB


def available_bytes() -> int | None:
    """Memory the machine can still give (``MemAvailable`` of /proc/meminfo), or None when unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def check_memory(entry: ModelEntry, needed_bytes: int, free_bytes: int | None = None) -> None:
    """InputError ``models.limits.too_big_*`` when the model's weights exceed the tightest of its own
    limit, the server's limit and the free memory (named in the message)."""
    limits = [("server", server_limit_gb() * GB)]
    if entry.max_memory_gb is not None:
        limits.append(("model", entry.max_memory_gb * GB))
    free = available_bytes() if free_bytes is None else free_bytes
    if free is not None:
        limits.append(("machine", float(free)))
    which, limit = min(limits, key=lambda item: item[1])
    if needed_bytes > limit:
        raise InputError(f"models.limits.too_big_{which}", label=entry.label, need=round(needed_bytes / GB, 1),
                         limit=round(limit / GB, 1), variable=MEMORY_VARIABLE)
