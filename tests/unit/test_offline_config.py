"""Offline and private by configuration: the server's start asks no outside host and sends no
usage statistics (checked against Streamlit's own start-up code, not only the file's text)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / ".streamlit" / "config.toml"


def test_config_turns_off_usage_statistics_and_the_public_ip_banner():
    options = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    assert options["browser"]["gatherUsageStats"] is False
    assert options["logger"]["hideWelcomeMessage"] is True
    assert options["client"]["showErrorDetails"] == "none"  # no tracebacks for a class


@pytest.fixture
def project_config(monkeypatch):
    """Streamlit's options read from this project's config.toml, as ``make run`` sets them
    (headless, every address), restored afterwards."""
    from streamlit import config

    monkeypatch.chdir(ROOT)
    config.get_config_options(force_reparse=True, options_from_flags={"server.address": "0.0.0.0"})
    yield config
    monkeypatch.undo()
    config.get_config_options(force_reparse=True)


def test_start_up_banner_asks_no_outside_host(project_config, monkeypatch):
    from streamlit import net_util
    from streamlit.web import bootstrap

    asked: list[str] = []
    monkeypatch.setattr(net_util, "get_external_ip", lambda: asked.append("external ip") or None)
    monkeypatch.setattr(net_util, "_make_blocking_http_get", lambda url, timeout=None: asked.append(url))
    assert project_config.get_option("server.headless") is True
    bootstrap._print_url(is_running_hello=False)
    assert asked == []


def test_without_the_option_streamlit_would_ask(project_config, monkeypatch):
    """The check above tests something: with the banner on, the same start asks for the public IP."""
    from streamlit import net_util
    from streamlit.web import bootstrap

    asked: list[str] = []
    monkeypatch.setattr(net_util, "get_external_ip", lambda: asked.append("external ip") or None)
    monkeypatch.setattr(net_util, "get_internal_ip", lambda: "10.0.0.5")
    project_config.set_option("logger.hideWelcomeMessage", False)
    bootstrap._print_url(is_running_hello=False)
    assert asked == ["external ip"]
