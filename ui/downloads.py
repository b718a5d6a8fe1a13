"""A file built on a click stays on the server until the browser has fetched it.

A download button given a callable (chapter 3's vectors, chapter 5's BertViz page) builds its
file only when clicked: nothing is kept while nobody asks. Streamlit (1.67) runs the callable,
stores what it returns under no session and hands the browser its URL; the end of any two
script runs on the server then deletes it (the first marks it, the second removes it). With a
class on one server, runs end several times a second, so the file could go before the browser
asked for it and the download was cancelled (seen on CI, 2026-12-07, with a few sessions).

:func:`keep_clicked_files` makes each such file stay for :data:`KEEP_S` seconds after the
click: it is referenced under a reference table row of its own, so Streamlit's clean-up leaves
it, and once the time is up the row lets go and the clean-up removes it as before. Memory stays
bounded by what was clicked in the last minute. Installed once per media file manager by
``ui.common.setup_page``; with a Streamlit whose manager lacks the parts it relies on, it does
nothing (and says so in the log) rather than break downloads.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

LOG = logging.getLogger(__name__)

KEEP_S = 60.0  # seconds a clicked file stays on the server (the browser fetches it at once)
#: The row of Streamlit's (session -> coordinates -> file) table that holds clicked files.
CLICKED = "llmx-clicked-downloads"
_MARK = "_llmx_keeps_clicked_files"
_INSTALL_LOCK = threading.Lock()


def keep_clicked_files(manager: Any, keep_s: float = KEEP_S, clock=time.monotonic) -> bool:  # noqa: ANN001 (clock)
    """Make ``manager`` (Streamlit's ``MediaFileManager``) keep each file a click builds for
    ``keep_s`` seconds. Idempotent; True when installed (now or before)."""
    if getattr(manager, _MARK, False):  # every page run asks: no lock once it is installed
        return True
    with _INSTALL_LOCK:
        if getattr(manager, _MARK, False):
            return True
        needed = ("execute_deferred", "remove_orphaned_files", "_files_by_session_and_coord", "_lock")
        if not all(hasattr(manager, name) for name in needed):
            LOG.warning("this Streamlit's media file manager lacks %s: clicked downloads are not kept",
                        [name for name in needed if not hasattr(manager, name)])
            return False
        execute, remove_orphans = manager.execute_deferred, manager.remove_orphaned_files
        clicked: dict[str, float] = {}  # file id -> when it was built

        def let_go_of_old(now: float) -> None:  # the caller holds manager._lock
            table = manager._files_by_session_and_coord
            for file_id in [fid for fid, at in clicked.items() if now - at > keep_s]:
                del clicked[file_id]
                table.get(CLICKED, {}).pop(file_id, None)
            if CLICKED in table and not table[CLICKED]:
                del table[CLICKED]

        def execute_deferred(file_id: str) -> str:
            url = execute(file_id)
            built = url.rsplit("/", 1)[-1].split(".", 1)[0]  # "/media/<id>.<ext>"
            now = clock()
            with manager._lock:
                clicked[built] = now
                manager._files_by_session_and_coord.setdefault(CLICKED, {})[built] = built
                let_go_of_old(now)
            return url

        def remove_orphaned_files() -> None:
            if clicked:
                with manager._lock:
                    let_go_of_old(clock())
            remove_orphans()

        manager.execute_deferred = execute_deferred
        manager.remove_orphaned_files = remove_orphaned_files
        setattr(manager, _MARK, True)
        return True


def keep_clicked_files_here() -> bool:
    """:func:`keep_clicked_files` on the running server's manager (False outside a server)."""
    from streamlit import runtime

    if not runtime.exists():
        return False
    return keep_clicked_files(runtime.get_instance().media_file_mgr)
