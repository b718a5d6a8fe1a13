"""Past one machine: app replicas behind HAProxy with sticky sessions, under the same load.

Starts ``--replicas`` copies of the app on free loopback ports, HAProxy (Debian's package:
``apt-get install -y haproxy``) in front of them on another loopback port, then runs
``bench_load.py`` through the proxy (its simulated students load the page first and keep the
proxy's cookie, as a browser does), prints how the sessions spread over the replicas (from
HAProxy's own statistics), and stops everything. Not part of CI.

Why sticky: a Streamlit session lives in one process (its widgets, its trained model, its
uploads); the websocket and every later request of that tab must reach the same replica.
HAProxy inserts a cookie naming the replica on the first response (the page's HTML) and routes
by it; ``leastconn`` spreads new students over the replicas. Websockets need long tunnel
timeouts. The shipped models are read-only in each replica (each loads its own copy).

    nice -n 10 .venv/bin/python bench/bench_replicas.py --replicas 3 --students 30 --train same
"""

from __future__ import annotations

import argparse
import csv
import io
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import streamlit_server  # noqa: E402

HERE = Path(__file__).resolve().parent

HAPROXY_CONFIG = """\
global
    maxconn 4096

defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    # A Streamlit tab keeps its websocket open for the whole lesson.
    timeout tunnel 2h
    timeout client-fin 10s
    option forwardfor

frontend classroom
    bind 127.0.0.1:{port}
    default_backend streamlit

backend streamlit
    balance leastconn
    # Sticky sessions: the first response sets STREPLICA=<replica>; the browser's websocket,
    # uploads and media requests carry it back to the same replica.
    cookie STREPLICA insert indirect nocache httponly
    option httpchk GET /_stcore/health
{servers}

listen stats
    bind 127.0.0.1:{stats_port}
    stats enable
    stats uri /stats
"""


def wait_healthy(url: str, timeout: float = 60.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer")


def session_counts(stats_url: str) -> dict[str, int]:
    """Sessions each replica served so far (HAProxy's ``stot``), from its CSV statistics."""
    with urllib.request.urlopen(stats_url + ";csv", timeout=5) as response:
        text = response.read().decode().lstrip("# ")
    rows = csv.DictReader(io.StringIO(text))
    return {row["svname"]: int(row["stot"] or 0) for row in rows
            if row["pxname"] == "streamlit" and row["svname"] not in ("FRONTEND", "BACKEND")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--students", type=int, nargs="+", default=[30])
    parser.add_argument("--train", choices=("same", "distinct", "none"), default="same")
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args()
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not Path(haproxy).exists():
        sys.exit("HAProxy is not installed (Debian: apt-get install -y haproxy)")

    replicas: list[subprocess.Popen] = []
    proxy = None
    workdir = Path(tempfile.mkdtemp(prefix="llm-explainer-proxy-"))
    try:
        ports = []
        for _ in range(args.replicas):
            process, url = streamlit_server.start("app.py")
            replicas.append(process)
            ports.append(int(url.rsplit(":", 1)[1]))
        port, stats_port = streamlit_server.free_port(), streamlit_server.free_port()
        servers = "\n".join(f"    server replica{k} 127.0.0.1:{p} check cookie r{k}" for k, p in enumerate(ports))
        config = workdir / "haproxy.cfg"
        config.write_text(HAPROXY_CONFIG.format(port=port, stats_port=stats_port, servers=servers))
        subprocess.run([haproxy, "-c", "-q", "-f", str(config)], check=True)
        proxy = subprocess.Popen([haproxy, "-db", "-f", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        proxy_url = f"http://127.0.0.1:{port}"
        wait_healthy(proxy_url + "/_stcore/health")
        print(f"{args.replicas} replicas on ports {ports} behind HAProxy at {proxy_url} (cookie STREPLICA, leastconn)")
        command = [sys.executable, str(HERE / "bench_load.py"), "--url", proxy_url, "--sticky", "--warm", str(2 * args.replicas),
                   "--train", args.train, "--timeout", str(args.timeout), "--students", *map(str, args.students),
                   "--pid", *(str(p.pid) for p in replicas)]
        subprocess.run(command, check=False, timeout=args.timeout * len(args.students) + 300)
        counts = session_counts(f"http://127.0.0.1:{stats_port}/stats")
        print("sessions per replica (HAProxy stot, HTTP requests and websockets): "
              + ", ".join(f"{name} {count}" for name, count in counts.items()))
    finally:
        if proxy is not None:
            proxy.terminate()
            proxy.wait(timeout=10)
        for process in replicas:
            streamlit_server.stop(process)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
