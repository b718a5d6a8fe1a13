"""``make container-test``: the container recipe built and run on this machine, end to end.

1. A base image: ``--base`` (default: ``python:3.11-slim-bookworm`` when it can be pulled).
   Where no registry can be reached, ``debian-local`` makes a Debian 12 image from Debian's own packages
   (``debootstrap --variant=minbase bookworm``, then ``podman import``) once and reuses it.
2. The app's image (``Dockerfile``) and the proxy's (``deploy/haproxy.Containerfile``), timed;
   torch from the CPU wheel this machine's pip already has when there is one (``--torch``).
3. ``deploy/compose.yaml`` up (three replicas, HAProxy with sticky cookies), each replica's
   time from start to healthy, then every chapter opened through the proxy.
4. Thirty simulated students press Train in chapter 3 through the proxy
   (``bench/bench_load.py --sticky``, the project's own websocket client), spread over the
   replicas by HAProxy.
5. One replica is killed: a student whose cookie names it reloads the page and must get a
   working page from another replica, with the "your trained model was lost" notice.
6. Memory per replica and the image's size; everything printed as a Markdown table for
   ``bench/RESULTS.md``; the deployment taken down again (also on failure).

Podman on a Debian machine that is itself a container needs ``deploy/podman/containers.conf``
(set through ``CONTAINERS_CONF``; this script does it). Not part of ``make test``: it takes
10-20 minutes and several GB of disk.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
sys.path.insert(0, str(ROOT / "bench"))
import st_protocol  # noqa: E402 - the load test's own client

APP_IMAGE = "localhost/llm-explainer:latest"
PROXY_IMAGE = "localhost/llm-explainer-proxy:latest"
LOCAL_BASE = "localhost/debian-base:bookworm"
PUBLIC_BASE = "docker.io/library/python:3.11-slim-bookworm"
REPLICAS = {"replica1": 8601, "replica2": 8602, "replica3": 8603}
PROXY, STATS = "127.0.0.1:8600", "127.0.0.1:8604"
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
#: The chapters' URL paths (pages/N_Name.py is served at /Name).
CHAPTERS = sorted(p.stem.split("_", 1)[1] for p in (ROOT / "pages").glob("*_*.py"))


def run(*command: str, check: bool = True, capture: bool = False, **kwargs) -> subprocess.CompletedProcess:
    print("+", " ".join(command), flush=True)
    return subprocess.run(command, check=check, text=True, capture_output=capture, **kwargs)


def engine_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("CONTAINERS_CONF", str(DEPLOY / "podman" / "containers.conf"))
    return env


def local_base(env: dict[str, str]) -> str:
    """A Debian 12 base image made from Debian's packages (no registry needed), made once."""
    if run("podman", "image", "exists", LOCAL_BASE, check=False, env=env).returncode == 0:
        return LOCAL_BASE
    if shutil.which("debootstrap") is None:
        sys.exit("debootstrap is missing: apt-get install -y debootstrap (or pass --base an image you can pull)")
    with tempfile.TemporaryDirectory(prefix="debian-base-") as folder:
        run("debootstrap", "--variant=minbase", "bookworm", folder, "http://deb.debian.org/debian")
        tar = subprocess.Popen(["tar", "-C", folder, "-c", "."], stdout=subprocess.PIPE)
        subprocess.run(["podman", "import", "-", LOCAL_BASE], stdin=tar.stdout, check=True, env=env)
        tar.wait()
    return LOCAL_BASE


def torch_source(choice: str) -> str:
    """``wheels`` when this machine's pip has a torch 2.13.0 wheel (copied to deploy/wheels/)."""
    if choice != "auto":
        return choice
    for folder in (Path(p) for p in os.environ.get("PIP_FIND_LINKS", "/opt/wheels").split()):
        wheels = sorted(folder.glob("torch-2.13.0*cp311*.whl")) if folder.is_dir() else []
        if wheels:
            shutil.copy2(wheels[-1], DEPLOY / "wheels" / wheels[-1].name)
            return "wheels"
    return "https://download.pytorch.org/whl/cpu"


def build(base: str, torch: str, env: dict[str, str]) -> dict[str, float]:
    secret = ["--secret", f"id=ca,src={CA_BUNDLE}"] if CA_BUNDLE.is_file() else []
    figures = {}
    began = time.perf_counter()
    run("podman", "build", "--format", "docker", "--network", "host", "--build-arg", f"BASE={base}",
        "--build-arg", f"TORCH_SOURCE={torch}",
        *secret, "-t", APP_IMAGE, str(ROOT), env=env)
    figures["app build s"] = time.perf_counter() - began
    began = time.perf_counter()
    run("podman", "build", "--format", "docker", "--network", "host", "--build-arg", f"BASE={base}", "-t", PROXY_IMAGE,
        "-f", str(DEPLOY / "haproxy.Containerfile"), str(DEPLOY), env=env)
    figures["proxy build s"] = time.perf_counter() - began
    size = run("podman", "image", "inspect", "--format", "{{.Size}}", APP_IMAGE, capture=True, env=env).stdout
    figures["app image MB"] = int(size.strip()) / 2**20
    return figures


#: podman-compose from PyPI (1.6, in this venv: `make container-test` installs it); Debian 12's
#: 1.0.3 adds a network to `network_mode: host` services and podman refuses to run them.
PODMAN_COMPOSE = str(Path(sys.executable).with_name("podman-compose"))


def compose(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return run(PODMAN_COMPOSE, "-f", str(DEPLOY / "compose.yaml"), *args, env=env, check=False)


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def wait_healthy(urls: dict[str, str], began: float, timeout: float) -> dict[str, float]:
    seconds: dict[str, float] = {}
    while len(seconds) < len(urls) and time.perf_counter() - began < timeout:
        for name, url in urls.items():
            if name not in seconds and healthy(url):
                seconds[name] = time.perf_counter() - began
        time.sleep(0.5)
    missing = set(urls) - set(seconds)
    if missing:
        raise RuntimeError(f"not healthy after {timeout:.0f} s: {sorted(missing)}")
    return seconds


def open_every_chapter(proxy_url: str) -> list[str]:
    problems = []
    for page in ["", *CHAPTERS]:
        session = st_protocol.StreamlitSession(proxy_url, connect_timeout=60, sticky=True)
        try:
            result = session.open(page, "lang=en", timeout=300)
            if result.status != "ok" or result.exceptions or result.errors:
                problems.append(f"/{page}: {result.status} {result.exceptions[:1]} {result.errors[:1]}")
            print(f"  /{page}: {result.status} in {result.seconds:.1f} s", flush=True)
        except Exception as exc:  # noqa: BLE001 - reported as a failure of the test
            problems.append(f"/{page}: {type(exc).__name__}: {exc}")
        finally:
            session.close()
    return problems


class CookieSession(st_protocol.StreamlitSession):
    """A student's tab that already holds the proxy's cookie (a reload after its replica died)."""

    def __init__(self, base_url: str, cookie: str) -> None:
        super().__init__(base_url, connect_timeout=60)
        self.cookie = cookie

    def connect(self) -> None:
        import websocket

        self.ws = websocket.create_connection(self.ws_url, subprotocols=["streamlit"], timeout=self.connect_timeout,
                                              enable_multithread=False, cookie=self.cookie)


def replica_cookie(proxy_url: str) -> str:
    with urllib.request.urlopen(proxy_url + "/", timeout=30) as response:
        cookies = [c.split(";", 1)[0] for c in response.headers.get_all("Set-Cookie") or []]
    return next(c for c in cookies if c.startswith("STREPLICA="))


def lose_a_replica(proxy_url: str, env: dict[str, str]) -> tuple[str, list[str]]:
    """Train on one replica, kill it, reload with its cookie: a working page and the notice."""
    cookie = replica_cookie(proxy_url)
    name = "replica" + cookie.split("=r", 1)[1]
    student = CookieSession(proxy_url, cookie)
    try:
        student.open("Word2vec", "lang=en", timeout=300)
        student.click("w2v_train", timeout=300)
    finally:
        student.close()
    container = run("podman", "ps", "--format", "{{.Names}}", capture=True, env=env).stdout.split()
    victim = next(c for c in container if name in c)
    run("podman", "kill", victim, env=env)
    time.sleep(5)  # HAProxy's health check (every 2 s, 2 failures) marks it down
    again = CookieSession(proxy_url, cookie)
    problems = []
    try:
        result = again.open("Word2vec", "lang=en&trained=ch3", timeout=300)
        if result.status != "ok" or result.exceptions or result.errors:
            problems.append(f"reload after losing {name}: {result.status} {result.exceptions[:1]} {result.errors[:1]}")
        if not any("no longer has it" in text for text in result.texts + result.warnings):
            problems.append(f"reload after losing {name}: no 'trained model was lost' notice")
    finally:
        again.close()
    return name, problems


def memory_per_replica(env: dict[str, str]) -> dict[str, str]:
    out = run("podman", "stats", "--no-stream", "--format", "json", capture=True, env=env).stdout
    return {row["name"]: row["mem_usage"] for row in json.loads(out or "[]")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="auto",
                        help="base image; 'debian-local' builds one from Debian packages (no registry needed); "
                             "'auto': python:3.11-slim-bookworm when it can be pulled, else debian-local")
    parser.add_argument("--torch", default="auto", help="TORCH_SOURCE: auto, wheels, pypi or an index URL")
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--skip-build", action="store_true", help="use the images already built")
    args = parser.parse_args()
    if shutil.which("podman") is None or not Path(PODMAN_COMPOSE).exists():
        sys.exit("podman and podman-compose are needed: apt-get install -y podman runc debootstrap; "
                 "pip install podman-compose==1.6.0")
    env = engine_env()
    figures: dict[str, object] = {}
    if not args.skip_build:
        base = args.base
        if base == "auto":
            pulled = run("podman", "pull", "-q", PUBLIC_BASE, check=False, env=env, timeout=300)
            base = PUBLIC_BASE if pulled.returncode == 0 else "debian-local"
        base = local_base(env) if base == "debian-local" else base
        figures["base image"] = base
        figures |= build(base, torch_source(args.torch), env)
    env |= {"COOKIE_SECRET": secrets.token_hex(32), "PROXY_BIND": PROXY, "STATS_BIND": STATS,
            "APP_IMAGE": APP_IMAGE, "PROXY_IMAGE": PROXY_IMAGE}
    proxy_url = f"http://{PROXY}"
    problems: list[str] = []
    compose("down", env=env)
    try:
        began = time.perf_counter()
        compose("up", "-d", "--no-build", env=env)
        started = wait_healthy({n: f"http://127.0.0.1:{p}" for n, p in REPLICAS.items()} | {"proxy": proxy_url},
                               began, timeout=600)
        figures |= {f"{n} start to healthy s": s for n, s in started.items()}
        figures["memory after start"] = memory_per_replica(env)
        problems += open_every_chapter(proxy_url)
        load = run(sys.executable, str(ROOT / "bench" / "bench_load.py"), "--url", proxy_url, "--sticky",
                   "--warm", "6", "--train", "same", "--students", str(args.students), "--timeout", "600",
                   check=False, capture=True)
        print(load.stdout[-4000:], load.stderr[-2000:], sep="\n")
        figures["bench_load exit"] = load.returncode
        if load.returncode != 0:
            problems.append(f"bench_load.py exited {load.returncode}")
        figures["memory after the class"] = memory_per_replica(env)
        lost, more = lose_a_replica(proxy_url, env)
        figures["replica killed"] = lost
        problems += more
    finally:
        compose("logs", "--tail", "20", env=env)
        compose("down", env=env)
    print("\n## Container recipe figures\n")
    for key, value in figures.items():
        shown = f"{value:.1f}" if isinstance(value, float) else value
        print(f"| {key} | {shown} |")
    if problems:
        print("\nPROBLEMS:", *problems, sep="\n- ")
        sys.exit(1)
    print("\ncontainer test passed")


if __name__ == "__main__":
    main()
