"""Where the repository's shipped files are: one place, so a module can move without breaking a path."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ASSETS_DIR = ROOT / "assets"
CHECKPOINT_DIR = ASSETS_DIR / "checkpoints"
CORPORA_DIR = ASSETS_DIR / "corpora"
