"""Shared test set-up: small models run on one thread, nothing reaches a hub."""

import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
# An unfilled {placeholder} fails the test instead of showing raw braces.
os.environ.setdefault("LLM_EXPLAINER_STRICT_I18N", "1")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

torch.set_num_threads(1)

from tests import apptest_speed  # noqa: E402

apptest_speed.install()



def pytest_sessionfinish(session):
    """The xdist controller, once every worker is done: stop a shared browser-test server that a
    crashed worker left running (``tests/e2e/conftest.py`` shares one server between workers)."""
    if os.environ.get("PYTEST_XDIST_WORKER") or not getattr(session.config.option, "numprocesses", None):
        return
    from tests.e2e.conftest import stop_leftover_servers

    stop_leftover_servers(session.config._tmp_path_factory.getbasetemp())


#: Test files that run longest, dealt out first so that the xdist workers finish together
#: (a long test dealt out last keeps one worker busy while the other has nothing left).
#: (The browser tests come first anyway: tests/e2e sorts before tests/pages and tests/unit.)
RUN_FIRST = ("tests/e2e/test_layout.py::test_the_presenter", "tests/e2e/test_cold_start.py", "tests/e2e/test_memory.py",
             "tests/unit/test_smollm2_cache.py", "tests/pages/test_ch8_scale.py", "tests/unit/test_parallel.py")


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: not item.nodeid.startswith(RUN_FIRST))  # stable: order kept otherwise
