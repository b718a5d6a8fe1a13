"""Chapter 9: measure retrieval and SmolLM2's answers over the whole question set.

Usage (from the repository root)::

    .venv/bin/python scripts/rag_results.py            # assets/results/ch9_results.json
    .venv/bin/python scripts/rag_results.py --only en   # one language, merged into the file
    .venv/bin/python scripts/rag_results.py --only en --limit 3   # a quick look, not written

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


def measure(lang: str, limit: int | None) -> dict:
    settings = rag.DEFAULT_SETTINGS
    index = rag.build_index(rag.knowledge_documents(lang), lang,
                            rag.ChunkSettings(settings["mode"], settings["size"], settings["overlap"]))
    questions = knowledge.questions(lang)[:limit]
    ranks = rag.question_ranks(index, questions)
    per_question = []
    for n, question in enumerate(questions, start=1):
        started = time.monotonic()
        per_question.append(rag.measure_question(question, index, settings["k"]))
        right = {c: int(a["right"]) for c, a in per_question[-1]["answers"].items()}
        print(f"{lang} {n}/{len(questions)} {time.monotonic() - started:.1f}s {right}", flush=True)
    return {
        "retrieval": {r: {"hit1": rag.hit_at(v, 1), "hit3": rag.hit_at(v, 3), "ranks": v} for r, v in ranks.items()},
        "unk_share": index.unk_share,
        "accuracy": rag.accuracy_table(per_question),
        "follows_wrong_document": sum(q["wrong_document"]["follows"] for q in per_question) / max(1, len(per_question)),
        "questions": per_question,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=knowledge.LANGUAGES)
    parser.add_argument("--limit", type=int, help="only the first N questions (a quick look: nothing is written)")
    parser.add_argument("--out", type=Path, default=RESULTS_FILE, help="where to write (merged into what is there)")
    args = parser.parse_args()
    languages = [args.only] if args.only else list(knowledge.LANGUAGES)
    results = json.loads(args.out.read_text(encoding="utf-8")) if args.only and args.out.is_file() else {}
    results.update(settings=rag.DEFAULT_SETTINGS, answer_tokens=rag.ANSWER_TOKENS, seed=knowledge.SEED)
    for lang in languages:
        results[lang] = measure(lang, args.limit)
        print(lang, json.dumps({k: results[lang][k] for k in ("accuracy", "follows_wrong_document")}), flush=True)
        print(lang, json.dumps({r: (v["hit1"], v["hit3"]) for r, v in results[lang]["retrieval"].items()}), flush=True)
    if args.limit:
        return
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print("wrote", args.out)


if __name__ == "__main__":
    main()
