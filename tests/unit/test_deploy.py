"""The school's deployment files agree with each other (the full run is `make container-test`)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def test_the_proxy_lists_every_replica_on_its_own_port():
    services = compose()["services"]
    replicas = {name: spec for name, spec in services.items() if name.startswith("replica")}
    ports = {name: spec["environment"]["STREAMLIT_SERVER_PORT"] for name, spec in replicas.items()}
    assert len(replicas) == 3 and len(set(ports.values())) == 3
    proxy = services["proxy"]["environment"]
    assert sorted(proxy[f"REPLICA{k}"] for k in (1, 2, 3)) == sorted(f"127.0.0.1:{p}" for p in ports.values())
    config = (DEPLOY / "haproxy.cfg").read_text(encoding="utf-8")
    assert re.findall(r'server r(\d) "\$\{REPLICA(\d)\}" cookie r(\d)', config) == [("1", "1", "1"), ("2", "2", "2"),
                                                                                     ("3", "3", "3")]
    for spec in replicas.values():  # one cookie secret for all, the class code passed on
        assert "COOKIE_SECRET" in spec["environment"]["STREAMLIT_SERVER_COOKIE_SECRET"]
        assert "LLM_EXPLAINER_CLASS_CODE" in spec["environment"]


def test_the_image_starts_warm_and_checks_its_health_on_its_own_port():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert 'CMD ["python", "-m", "streamlit", "run", "ui/launch.py"]' in dockerfile
    assert "STREAMLIT_SERVER_PORT" in dockerfile.split("HEALTHCHECK", 1)[1]
    assert "never been built" not in dockerfile and "could not be built" not in dockerfile
    assert "USER explainer" in dockerfile and "ensure_cache" in dockerfile


@pytest.mark.skipif(shutil.which("haproxy") is None, reason="Debian's haproxy is not installed")
def test_haproxy_accepts_the_configuration():
    env = dict(os.environ, PROXY_BIND="127.0.0.1:8600", STATS_BIND="127.0.0.1:8604",
               REPLICA1="127.0.0.1:8601", REPLICA2="127.0.0.1:8602", REPLICA3="127.0.0.1:8603")
    checked = subprocess.run(["haproxy", "-c", "-f", str(DEPLOY / "haproxy.cfg")], env=env, capture_output=True,
                             text=True, timeout=30)
    assert checked.returncode == 0, checked.stdout + checked.stderr
