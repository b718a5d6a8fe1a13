"""Where a profiled server spent its time: py-spy's raw stacks (``bench_load.py --profile``) summed.

    .venv/bin/python bench/profile_summary.py /tmp/prof/01-30-Generation-open.txt [--top 25] [--match ui/]

Prints, for the whole file: the share of samples spent *inside* each function (its own frame
and everything it called), the functions with the most samples of their own, and which thread
(Streamlit's ScriptRunner threads draw pages; the event loop sends them) took how much.
"""

from __future__ import annotations

import argparse
import collections
import re
from pathlib import Path

FRAME = re.compile(r"^(?P<name>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def read(path: Path) -> list[tuple[list[str], int]]:
    """(frames outermost first, samples) per line of a py-spy raw file."""
    stacks = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks.append((stack.split(";"), int(count)))
    return stacks


def short(frame: str) -> str:
    """``name (file:line)`` -> ``name (package/file)``: lines dropped so one function is one row."""
    match = FRAME.match(frame)
    if not match:
        return frame
    path = match["file"]
    for marker in ("site-packages/", "/wt/", "lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{match['name']} ({path})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", type=Path, nargs="+")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--match", default="", help="only functions whose file contains this (inclusive table)")
    parser.add_argument("--callers", default="", help="who calls the functions whose row contains this")
    args = parser.parse_args()
    for path in args.files:
        stacks = read(path)
        total = sum(count for _, count in stacks) or 1
        inclusive: collections.Counter[str] = collections.Counter()
        own: collections.Counter[str] = collections.Counter()
        threads: collections.Counter[str] = collections.Counter()
        callers: collections.Counter[str] = collections.Counter()
        for frames, count in stacks:
            names = [short(f) for f in frames]
            if args.callers:
                hits = [i for i, name in enumerate(names) if args.callers in name]
                if hits and hits[0] > 0:
                    callers[names[hits[0] - 1]] += count
            threads[names[0].split(" (")[0] if names else "?"] += count
            for name in set(names):
                inclusive[name] += count
            if names:
                own[names[-1]] += count
        print(f"## {path.name}: {total} samples")
        print("### by outermost frame (process / thread)")
        for name, count in threads.most_common(8):
            print(f"{100 * count / total:5.1f} %  {name}")
        print("### inclusive")
        rows = [(n, c) for n, c in inclusive.most_common() if args.match in n][: args.top]
        for name, count in rows:
            print(f"{100 * count / total:5.1f} %  {name}")
        if args.callers:
            print(f"### callers of {args.callers}")
            for name, count in callers.most_common(args.top):
                print(f"{100 * count / total:5.1f} %  {name}")
        print("### own")
        for name, count in own.most_common(args.top):
            print(f"{100 * count / total:5.1f} %  {name}")


if __name__ == "__main__":
    main()
