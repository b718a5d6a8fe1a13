"""Start the app (or a bench page) on 127.0.0.1 and find Chromium: shared by bench/*.py and tests/e2e."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(script: str = "app.py", port: int | None = None, timeout: float = 120,
          log: Path | None = None, cwd: str | Path | None = None) -> tuple[subprocess.Popen, str]:
    """Start ``streamlit run script`` on 127.0.0.1 and wait until it is healthy.

    ``cwd``: the app's folder (default: this checkout); ``log`` receives the server's output
    (else it is dropped). Returns the process and its base URL. Nothing outside this machine
    is contacted.
    """
    port = port or free_port()
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONUNBUFFERED="1")
    output = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115 - the child keeps it open
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none"],
        cwd=cwd or ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
    )
    if log:
        output.close()  # the child has its own copy
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{script} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return process, url
        except OSError:
            time.sleep(0.5)
    stop(process)
    raise RuntimeError(f"{script} did not become healthy")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@contextlib.contextmanager
def running(script: str = "app.py", log: Path | None = None) -> Iterator[tuple[subprocess.Popen, str]]:
    """``with running("app.py") as (process, url): ...`` — stopped on exit."""
    process, url = start(script, log=log)
    try:
        yield process, url
    finally:
        stop(process)
