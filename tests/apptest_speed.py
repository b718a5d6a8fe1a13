"""Three costs of Streamlit's AppTest that are the harness's, not the app's, taken out of every
page test (the app and what AppTest checks are unchanged):

* every ``AppTest.run()`` makes a new ``ScriptCache``, so each run read, parsed, rewrote for
  "magic" and compiled ``app.py`` and the page script again (a server keeps one cache for its
  life). Here every run shares one cache, keyed by the script's path, size and modification
  time, so a script changed on disk is compiled again (60 page tests of chapters 1, 3, 4 and 6,
  7 December: 32.8 and 33.3 s before, 32.1 and 32.1 s after);
* every new ``AppTest`` scans all ~300 installed packages' metadata for v2 components
  (``scan_component_manifests``: about 0.1 s of parsing e-mail-style headers per page opened);
  the installed packages do not change during a test run, so the scan is done once;
* while a script runs, AppTest's ``require_widgets_deltas`` wakes every millisecond and reads
  the run's whole event list each time (hundreds of events a page), taking the GIL from the
  script it waits for: about a tenth of a page test's CPU. The wait below sleeps until the
  runner's own SHUTDOWN event (it listens on the runner's ``on_event`` signal, which AppTest
  records events from too), with the same timeout and the same error. (Polling every 5 ms
  instead still cost 6.6 % of a page test's samples, py-spy, 7 December.)
"""

from __future__ import annotations

import functools
import os
import threading


def install() -> None:
    from streamlit.components.v2 import manifest_scanner
    from streamlit.runtime.scriptrunner import ScriptRunnerEvent
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    if not getattr(app_test.ScriptCache, "_shared", False):
        compiled: dict[tuple[str, int, int], object] = {}
        lock = threading.Lock()

        class SharedScriptCache(ScriptCache):
            _shared = True

            def get_bytecode(self, script_path: str):  # noqa: ANN202 - a code object
                path = os.path.abspath(script_path)
                stat = os.stat(path)
                key = (path, stat.st_size, stat.st_mtime_ns)
                with lock:
                    code = compiled.get(key)
                if code is None:
                    code = super().get_bytecode(script_path)
                    with lock:
                        compiled[key] = code
                return code

        app_test.ScriptCache = SharedScriptCache
        local_script_runner.ScriptCache = SharedScriptCache

    scan = manifest_scanner.scan_component_manifests
    if not hasattr(scan, "cache_info"):
        manifest_scanner.scan_component_manifests = functools.lru_cache(maxsize=1)(scan)

    original = local_script_runner.require_widgets_deltas
    if getattr(original, "_lean", False):
        return

    def require_widgets_deltas(runner, timeout: float = 3) -> None:  # noqa: ANN001 - AppTest's runner
        finished = threading.Event()

        def on_event(_sender, event, **_kwargs) -> None:  # noqa: ANN001 - the runner's Signal
            if event == ScriptRunnerEvent.SHUTDOWN:
                finished.set()

        runner.on_event.connect(on_event, weak=False)
        try:  # a run that ended before we listened has its SHUTDOWN in the list already
            if ScriptRunnerEvent.SHUTDOWN in list(runner.events) or finished.wait(timeout):
                return
        finally:
            runner.on_event.disconnect(on_event)
        runner.request_stop()  # as AppTest's own: stop the script, then say so
        runner.join()
        raise RuntimeError(f"AppTest script run timed out after {timeout}(s)")

    require_widgets_deltas._lean = True
    local_script_runner.require_widgets_deltas = require_widgets_deltas
