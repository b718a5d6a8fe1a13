"""Bilingual strings. No Streamlit here, so tests and scripts can check the catalogue.

All prose lives in ``assets/content/{en,zh}/``:
- ``<namespace>.toml``: short strings; ``t("ch3.train.button")`` reads table ``[train]``,
  key ``button`` of ``ch3.toml``. Values may hold ``{placeholders}``.
- ``<namespace>/<name>.md``: longer prose, read by ``md("ch3/intro")``.
"""

from __future__ import annotations

import functools
import os
import string
import tomllib
import unicodedata
from pathlib import Path

from lm_core.core.once import once

LANGUAGES = ("en", "zh")
DEFAULT_LANGUAGE = "en"
CONTENT_DIR = Path(__file__).resolve().parent.parent / "assets" / "content"
#: Set to "1" (the tests do) to make a ``{placeholder}`` that cannot be filled raise
#: instead of showing raw braces to a learner.
STRICT_ENV = "LLM_EXPLAINER_STRICT_I18N"


class TranslationError(KeyError):
    """A ``{placeholder}`` its caller did not fill (strict mode), or a template that does not exist."""


def strict() -> bool:
    return os.environ.get(STRICT_ENV) == "1"


def _flatten(prefix: str, table: dict, out: dict[str, str]) -> None:
    for key, value in table.items():
        name = f"{prefix}.{key}"
        if isinstance(value, dict):
            _flatten(name, value, out)
        else:
            out[name] = value


#: Content files that could not be read (a typo in a TOML file, a file that is not UTF-8):
#: ``{path relative to the repository: what is wrong}``. The app keeps running without them
#: (their keys fall back to English, then to the key) and ``ui.faults`` tells the teacher.
BROKEN_FILES: dict[str, str] = {}


@once(maxsize=4)
def catalogue(lang: str) -> dict[str, object]:
    """Every key of one language: ``{"ch3.train.button": "Train", ...}``. A file that cannot be
    read is skipped and listed in :data:`BROKEN_FILES` (read once: the catalogue is cached)."""
    strings: dict[str, object] = {}
    for path in sorted((CONTENT_DIR / lang).glob("*.toml")):
        try:
            with path.open("rb") as handle:
                table = tomllib.load(handle)
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            BROKEN_FILES[_relative(path)] = str(exc)
            continue
        _flatten(path.stem, table, strings)
    return strings


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(CONTENT_DIR.parent.parent))
    except ValueError:
        return str(path)


def markdown_files(lang: str) -> set[str]:
    """Names of the Markdown documents of one language (``"ch3/intro"``)."""
    root = CONTENT_DIR / lang
    return {str(p.relative_to(root).with_suffix("")) for p in root.rglob("*.md")}


def normalise_language(value: object) -> str:
    """``"zh"`` for anything that means Chinese, else ``"en"``."""
    text = str(value or "").strip().lower()
    if text in {"zh", "zh-cn", "zh_cn", "cn", "中文", "chinese"}:
        return "zh"
    return DEFAULT_LANGUAGE


def translate(key: str, lang: str, **params: object):
    """The string for ``key`` in ``lang`` (falls back to English, then to the key).

    Non-string values (lists of options, say) come back as they are. In strict mode
    (:data:`STRICT_ENV`) a placeholder that cannot be filled raises :class:`TranslationError`;
    otherwise the learner sees the raw text rather than a crash.
    """
    value = catalogue(lang).get(key)
    if value is None:
        # A missing key falls back to the key itself (some callers use that to mean "no
        # label here"); literal keys are checked in both languages by tests/unit/test_i18n.py.
        value = catalogue(DEFAULT_LANGUAGE).get(key, key)
    if isinstance(value, str) and (params or (strict() and _has_placeholders(value))):
        try:
            return value.format(**params)
        except (KeyError, IndexError, ValueError) as exc:
            if strict():
                raise TranslationError(f"{key!r} in {lang}: cannot fill {value!r} with {sorted(params)}") from exc
            return value
    return value


def has(key: str) -> bool:
    """Whether the catalogue has ``key`` (checked in English; both languages have the same keys)."""
    return key in catalogue(DEFAULT_LANGUAGE)


def template(key: str, lang: str) -> str:
    """The string for ``key`` with its ``{placeholders}`` unfilled (a figure fills them later)."""
    value = catalogue(lang).get(key, catalogue(DEFAULT_LANGUAGE).get(key))
    if not isinstance(value, str):
        if strict():
            raise TranslationError(f"no string {key!r} in {lang}")
        return key
    return value


@functools.lru_cache(maxsize=4096)  # the catalogue's templates: a bounded set
def _has_placeholders(value: str) -> bool:
    try:
        # "%{y}" is Plotly's own hover template, filled in the browser: not ours to fill.
        return any(field is not None and not literal.endswith("%")
                   for literal, field, _, _ in string.Formatter().parse(value))
    except ValueError:
        return True


@once(maxsize=512)
def _read_markdown(lang: str, name: str) -> str | None:
    path = CONTENT_DIR / lang / f"{name}.md"
    if not path.is_file():
        return None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:  # the other language's text, and a word to the teacher
        BROKEN_FILES[_relative(path)] = str(exc)
        return None


def markdown(name: str, lang: str) -> str:
    """The Markdown document ``name`` in ``lang`` (English fallback)."""
    text = _read_markdown(lang, name)
    if text is None:
        text = _read_markdown(DEFAULT_LANGUAGE, name)
    return text or ""


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def join_sentences(*parts: str) -> str:
    """Sentences (or a label and what it labels) one after another: a space between them
    in English, none after a full-width character or before full-width punctuation
    (Chinese text runs on: "。" or "：" is never followed by a space, "（" never preceded). After a closing ``**`` the space stays: Markdown would not
    close the emphasis without it."""
    text = ""
    for part in parts:
        if not part:
            continue
        first = part.lstrip("*_`")[:1]
        wide_punctuation = bool(first) and _wide(first) and unicodedata.category(first).startswith("P")
        if text and (text.endswith(("*", "_", "`")) or not (_wide(text[-1]) or wide_punctuation)):
            text += " "
        text += part
    return text
