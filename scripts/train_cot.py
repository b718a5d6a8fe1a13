"""Chapter 10: train the two addition GPTs (direct and scratchpad) and measure them.

Usage (from the repository root)::

    .venv/bin/python scripts/train_cot.py models     # assets/checkpoints/cot_{direct,scratchpad}
                                                     # + assets/results/ch10_cot.json
    .venv/bin/python scripts/train_cot.py smollm2    # assets/results/ch10_smollm2.json

``models``: both GPTs trained side by side on one thread with fixed seeds (same shape, same
problems in the same order, same number of steps), then scored by exact match on the
held-out problems (one to five digits; five digits is never trained on). Running it twice
gives byte-identical files. ``smollm2``: SmolLM2-135M-Instruct asked the same kind of
problem directly and with "let's think step by step" (greedy), scored from its replies.
``--steps`` and ``--out-dir`` make a smaller run elsewhere (the tests use them).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lm_core.analysis import reasoning  # noqa: E402
from lm_core.core.paths import ASSETS_DIR, CHECKPOINT_DIR  # noqa: E402
from lm_core.data.arithmetic import FORMATS  # noqa: E402
from lm_core.models.checkpoints import save_checkpoint  # noqa: E402

RESULTS_DIR = ASSETS_DIR / "results"
COT_RESULTS = "ch10_cot.json"
SMOLLM2_RESULTS = "ch10_smollm2.json"


def train_models(config: reasoning.CotConfig, checkpoints: Path, results: Path, log=print) -> dict:  # noqa: ANN001
    """Train, save both checkpoints and the results JSON; returns the results."""
    started = time.perf_counter()

    def report(fmt: str, step: int, loss: float) -> None:
        if fmt == FORMATS[-1] and (step % 250 == 0 or step == config.steps):
            log(f"step {step}/{config.steps} {time.perf_counter() - started:.0f}s")

    trained = reasoning.train_pair(config, on_step=report)
    measured = reasoning.results_of(trained, config)
    for fmt in FORMATS:
        meta = {
            "purpose": f"chapter 10: addition, {fmt}",
            "format": fmt,
            "steps": trained.steps,
            "seed": config.seed,
            "trained_by": "scripts/train_cot.py models",
        }
        save_checkpoint(checkpoints / reasoning.CHECKPOINTS[fmt], trained.models[fmt], trained.tokenizer, meta)
    reasoning.write_json(results / COT_RESULTS, measured)
    log(f"trained and measured in {time.perf_counter() - started:.0f}s wall, {time.process_time():.0f}s CPU")
    log(f"accuracy {measured['accuracy']}")
    log(f"scratchpad ahead by {100 * reasoning.margin(measured):.1f} points (1 to 4 digits)")
    return measured


def score_smollm2(results: Path, per_digit: int, log=print) -> dict:  # noqa: ANN001
    from lm_core.analysis import cot_smollm2
    from lm_core.models.smollm2_cache import load_smollm2

    model, tokenizer = load_smollm2()
    scored = cot_smollm2.score(model, tokenizer, cot_smollm2.smollm2_problems(per_digit), log=log)
    reasoning.write_json(results / SMOLLM2_RESULTS, scored)
    log(f"SmolLM2 accuracy {scored['accuracy']}")
    return scored


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["models", "smollm2"])
    parser.add_argument("--steps", type=int, default=reasoning.CotConfig.steps)
    parser.add_argument("--test-per-digit", type=int, default=reasoning.CotConfig.test_per_digit)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per-digit", type=int, default=5, help="smollm2: problems per digit count")
    parser.add_argument("--out-dir", help="write checkpoints/ and results/ under this folder instead of assets/")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    checkpoints, results = CHECKPOINT_DIR, RESULTS_DIR
    if args.out_dir:
        checkpoints, results = Path(args.out_dir) / "checkpoints", Path(args.out_dir) / "results"
    if args.what == "models":
        config = reasoning.CotConfig(steps=args.steps, test_per_digit=args.test_per_digit, seed=args.seed)
        train_models(config, checkpoints, results)
    else:
        score_smollm2(results, args.per_digit)


if __name__ == "__main__":
    main()
