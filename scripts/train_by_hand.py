"""Train chapter 5's by-hand models: ``assets/checkpoints/by_hand_{en,zh}.json``.

    .venv/bin/python scripts/train_by_hand.py               # both languages, into assets/checkpoints
    .venv/bin/python scripts/train_by_hand.py --out /tmp/x  # somewhere else (the test compares)

Reproducible: seeded, full batch, float64, one thread; a rerun writes the same bytes. Takes a few
seconds. The weights are rounded to two decimals; the script refuses to write a model whose
rounded weights no longer predict the example's word.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from lm_core.models import by_hand  # noqa: E402
from lm_core.train.by_hand import rounded_is_sensible, train  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "assets" / "checkpoints")
    parser.add_argument("langs", nargs="*", default=list(by_hand.LANGUAGES))
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    args.out.mkdir(parents=True, exist_ok=True)
    for lang in args.langs:
        model = train(lang)
        if not rounded_is_sensible(model):
            print(f"{lang}: the rounded model no longer predicts the example's word", file=sys.stderr)
            return 1
        path = args.out / f"by_hand_{lang}.json"
        path.write_text(by_hand.to_json(model), encoding="utf-8")
        sentence, _ = by_hand.EXAMPLE[lang]
        word, probs = by_hand.predict(model, sentence)
        print(f"{path.name}: loss {model.meta['final_loss']} (rounded {model.meta['loss_after_rounding']}),"
              f" {' '.join(sentence)} -> {word} ({probs.max():.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
