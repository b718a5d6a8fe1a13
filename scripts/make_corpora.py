"""Regenerate the toy-world corpora in ``assets/corpora/`` from the seeded grammar.

    python scripts/make_corpora.py            # write the files
    python scripts/make_corpora.py --check    # only compare; exit 1 if a file differs

Everything comes from ``lm_core.data.toyworld`` (plain ``random.Random`` with fixed seeds), so
the output is the same bytes on every machine.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lm_core.data.toyworld import render_corpus_files  # noqa: E402

CORPORA_DIR = ROOT / "assets" / "corpora"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the files on disk, write nothing")
    parser.add_argument("--out", type=Path, default=CORPORA_DIR, help="output folder (default: assets/corpora)")
    args = parser.parse_args(argv)

    files = render_corpus_files()
    different = []
    for name, data in files.items():
        path = args.out / name
        current = path.read_bytes() if path.exists() else None
        lines = data.count(b"\n")
        if current == data:
            print(f"unchanged  {name:20s} {lines:6d} lines {len(data) / 1024:8.1f} KB")
            continue
        different.append(name)
        if args.check:
            print(f"DIFFERS    {name}")
        else:
            args.out.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            print(f"written    {name:20s} {lines:6d} lines {len(data) / 1024:8.1f} KB")
    return 1 if (args.check and different) else 0


if __name__ == "__main__":
    raise SystemExit(main())
