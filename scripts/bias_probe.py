"""Precompute chapter 10's bias probe and memorisation tables into assets/results/bias_probe.json.

    .venv/bin/python scripts/bias_probe.py            # every model, both languages (a few minutes on a CPU)

The page opens on this file at once; a learner's own pair is scored live. Deterministic:
the same checkpoints and the same SmolLM2 cache give the same numbers (up to float rounding).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from lm_core.analysis import bias_probe, memorisation  # noqa: E402
from lm_core.data.bias_pairs import LANGUAGES  # noqa: E402

OUT = ROOT / "assets" / "results" / "bias_probe.json"
MEMORISATION_LINES = 200
MEMORISATION_SEED = 0
KEEP_EXAMPLES = 20  # lines kept per set for the page's table (the rates use all of them)


def _rounded(value):  # noqa: ANN001, ANN202
    if isinstance(value, float):
        return round(value, 5)
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_rounded(item) for item in value]
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--lines", type=int, default=MEMORISATION_LINES)
    args = parser.parse_args()
    models: dict[str, dict] = {}
    for lang in LANGUAGES:
        for name in bias_probe.models_for(lang):
            start = time.perf_counter()
            table = bias_probe.model_table_job(name, lang)
            models.setdefault(name, {})[lang] = table
            print(f"[{lang}] {name}: {len(table['scores'])} pairs scored, {len(table['unreadable'])} unreadable, "
                  f"{time.perf_counter() - start:.1f} s", flush=True)
    recall = {}
    for lang in LANGUAGES:
        start = time.perf_counter()
        recall[lang] = memorisation.memorisation_job(lang, args.lines, MEMORISATION_SEED)
        for part in ("train", "held_out"):
            recall[lang][part]["examples"] = recall[lang][part]["examples"][:KEEP_EXAMPLES]
        print(f"[{lang}] memorisation: train exact {recall[lang]['train']['exact']:.2f}, held-out exact "
              f"{recall[lang]['held_out']['exact']:.2f}, {time.perf_counter() - start:.1f} s", flush=True)
    data = {"version": 1, "made_by": "scripts/bias_probe.py", "models": models, "memorisation": recall}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(_rounded(data), ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                        encoding="utf-8")
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")


if __name__ == "__main__":
    main()
