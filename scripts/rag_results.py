"""Chapter 9: measure retrieval and SmolLM2's answers over the whole question set.

Usage (from the repository root)::

    .venv/bin/python scripts/rag_results.py            # assets/results/ch9_results.json
    .venv/bin/python scripts/rag_results.py --only en --limit 3   # a quick look, nothing written

    # the same in pieces, in parallel (each piece a file of one line per question), then merged:
    .venv/bin/python scripts/rag_results.py --only zh --questions 0:8 --part /tmp/zh-0.jsonl
    .venv/bin/python scripts/rag_results.py --merge /tmp/en-*.jsonl /tmp/zh-*.jsonl

For each language of the invented encyclopedia (``lm_core.data.knowledge``), at the page's
default settings (``lm_core.analysis.rag.DEFAULT_SETTINGS``): retrieval hit@1 / hit@3 of
MiniLM and BM25, and SmolLM2-135M-Instruct's greedy answer to every question with no
context, with the chunks each retriever finds, and with the gold paragraph (the ceiling);
plus, per question, the probability it gives the right answer without and with the gold
paragraph, and its answer when that paragraph states a false fact. Greedy decoding: the same
machine gives the same file.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lm_core.analysis import rag  # noqa: E402
from lm_core.core.paths import ASSETS_DIR  # noqa: E402
from lm_core.data import knowledge  # noqa: E402

RESULTS_FILE = ASSETS_DIR / "results" / rag.RESULTS_FILE_NAME


def default_index(lang: str) -> rag.Index:
    settings = rag.DEFAULT_SETTINGS
    return rag.build_index(rag.knowledge_documents(lang), lang,
                           rag.ChunkSettings(settings["mode"], settings["size"], settings["overlap"]))


def measure(lang: str, first: int, last: int, part: Path | None) -> list[dict]:
    """Every question of ``lang`` from ``first`` to ``last`` (one JSON line each into ``part``)."""
    index = default_index(lang)
    questions = knowledge.questions(lang)
    out = []
    for n in range(first, min(last, len(questions))):
        started = time.monotonic()
        entry = rag.measure_question(questions[n], index, rag.DEFAULT_SETTINGS["k"])
        out.append(entry)
        if part is not None:
            with part.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps({"lang": lang, "n": n, "entry": entry}, ensure_ascii=False) + "\n")
        right = {c: int(a["right"]) for c, a in entry["answers"].items()}
        print(f"{lang} {n + 1}/{len(questions)} {time.monotonic() - started:.1f}s {right}", flush=True)
    return out


def summarise(lang: str, per_question: list[dict]) -> dict:
    """A language's table: retrieval over every question, answers over those measured."""
    index = default_index(lang)
    ranks = rag.question_ranks(index, knowledge.questions(lang))
    return {
        "retrieval": {r: {"hit1": rag.hit_at(v, 1), "hit3": rag.hit_at(v, 3), "ranks": v} for r, v in ranks.items()},
        "unk_share": index.unk_share,
        "accuracy": rag.accuracy_table(per_question),
        "follows_wrong_document": sum(q["wrong_document"]["follows"] for q in per_question) / max(1, len(per_question)),
        "questions": per_question,
    }


def write(results_by_lang: dict[str, list[dict]], out: Path) -> None:
    results = {"settings": rag.DEFAULT_SETTINGS, "answer_tokens": rag.ANSWER_TOKENS, "seed": knowledge.SEED}
    for lang, per_question in results_by_lang.items():
        results[lang] = summarise(lang, per_question)
        print(lang, json.dumps({k: results[lang][k] for k in ("accuracy", "follows_wrong_document")}), flush=True)
        print(lang, json.dumps({r: (v["hit1"], v["hit3"]) for r, v in results[lang]["retrieval"].items()}), flush=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print("wrote", out)


def merge(parts: list[Path], partial: bool = False) -> dict[str, list[dict]]:
    """Part files back into one list per language, in question order (each question once)."""
    found: dict[str, dict[int, dict]] = {}
    for path in parts:
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            found.setdefault(row["lang"], {})[row["n"]] = row["entry"]
    merged = {}
    for lang in knowledge.LANGUAGES:
        entries = found.get(lang, {})
        missing = [n for n in range(len(knowledge.questions(lang))) if n not in entries]
        if missing and not partial:
            raise SystemExit(f"{lang}: questions {missing} are in no part file (--partial to go on without them)")
        merged[lang] = [entries[n] for n in sorted(entries)]
    return merged


def tables(path: Path) -> str:
    """The results file as the Markdown tables of ``bench/RESULTS.md``."""
    results = json.loads(path.read_text(encoding="utf-8"))
    lines = ["| language | retriever | hit@1 | hit@3 | MiniLM [UNK] share |", "|---|---|---|---|---|"]
    for lang in knowledge.LANGUAGES:
        for retriever, row in results[lang]["retrieval"].items():
            lines.append(f"| {lang} | {retriever} | {row['hit1']:.0%} | {row['hit3']:.0%} | {results[lang]['unk_share']:.0%} |")
    lines += ["", "| language | no context | MiniLM top-k | BM25 top-k | gold paragraph | follows a false paragraph |",
              "|---|---|---|---|---|---|"]
    for lang in knowledge.LANGUAGES:
        acc = results[lang]["accuracy"]
        n = len(results[lang]["questions"])
        cells = " | ".join(f"{acc[c]:.0%} ({round(acc[c] * n)}/{n})" for c in rag.CONDITIONS)
        lines.append(f"| {lang} | {cells} | {results[lang]['follows_wrong_document']:.0%} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=knowledge.LANGUAGES)
    parser.add_argument("--limit", type=int, help="only the first N questions (a quick look: nothing is written)")
    parser.add_argument("--questions", default="0:999", help="FIRST:LAST, the questions of a part")
    parser.add_argument("--part", type=Path, help="write each question as one line of this file (and nothing else)")
    parser.add_argument("--merge", type=Path, nargs="+", help="part files to merge into the results file")
    parser.add_argument("--partial", action="store_true", help="merge even when some questions are missing")
    parser.add_argument("--out", type=Path, default=RESULTS_FILE)
    parser.add_argument("--table", action="store_true", help="print the results file as Markdown tables")
    args = parser.parse_args()
    if args.table:
        print(tables(args.out))
        return
    if args.merge:
        write(merge(args.merge, args.partial), args.out)
        return
    first, last = (int(x) for x in args.questions.split(":"))
    if args.limit:
        last = first + args.limit
    languages = [args.only] if args.only else list(knowledge.LANGUAGES)
    measured = {lang: measure(lang, first, last, args.part) for lang in languages}
    if args.limit or args.part:
        return
    write(measured, args.out)


if __name__ == "__main__":
    main()
