"""A file a click builds stays on the server until the browser has fetched it (``ui.downloads``),
however many script runs end meanwhile, and goes once its time is up."""

import logging

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MediaFileStorageError, MemoryMediaFileStorage

from ui import downloads


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _manager() -> MediaFileManager:
    return MediaFileManager(MemoryMediaFileStorage("/media"))


def _click(manager: MediaFileManager, data: bytes = b"word\tvector\n") -> str:
    """A download button drawn with a callable, then clicked: the file id the browser fetches."""
    placeholder = manager.add_deferred(lambda: data, "text/tab-separated-values", "1.(2.3).4", file_name="v.tsv")
    return manager.execute_deferred(placeholder).rsplit("/", 1)[-1]


def _stored(manager: MediaFileManager, name: str) -> bool:
    try:
        manager._storage.get_file(name)
    except MediaFileStorageError:
        return False
    return True


@pytest.fixture(autouse=True)
def _quiet_streamlit(caplog):
    caplog.set_level(logging.ERROR, logger="streamlit")  # "missing ScriptRunContext" outside a run


def test_without_it_two_runs_ending_delete_a_clicked_file():
    """The fault itself, in Streamlit as pinned: this is what ``keep_clicked_files`` mends."""
    manager = _manager()
    name = _click(manager)
    manager.remove_orphaned_files()
    manager.remove_orphaned_files()
    assert not _stored(manager, name)


def test_a_clicked_file_outlives_other_runs_then_goes():
    manager, clock = _manager(), Clock()
    assert downloads.keep_clicked_files(manager, keep_s=60, clock=clock)
    name = _click(manager)
    for _ in range(20):  # a class ends many runs while the browser asks for the file
        manager.remove_orphaned_files()
    assert _stored(manager, name)
    assert manager._storage.get_file(name).content == b"word\tvector\n"
    clock.now += 61  # a minute later the file is let go and cleaned up as before
    manager.remove_orphaned_files()
    manager.remove_orphaned_files()
    assert not _stored(manager, name)
    assert downloads.CLICKED not in manager._files_by_session_and_coord  # no row left behind


def test_each_click_keeps_its_own_file_for_its_own_minute():
    manager, clock = _manager(), Clock()
    downloads.keep_clicked_files(manager, keep_s=60, clock=clock)
    first = _click(manager, b"first")
    clock.now += 40
    second = _click(manager, b"second")
    clock.now += 30  # the first click is 70 s old, the second 30 s
    manager.remove_orphaned_files()
    manager.remove_orphaned_files()
    assert not _stored(manager, first) and _stored(manager, second)


def test_it_installs_once_and_leaves_other_files_alone():
    manager, clock = _manager(), Clock()
    assert downloads.keep_clicked_files(manager, clock=clock)
    wrapped = manager.execute_deferred
    assert downloads.keep_clicked_files(manager, clock=clock)
    assert manager.execute_deferred is wrapped  # not wrapped twice
    # a picture a page shows is no click's: it goes when no session shows it, as before
    url = manager.add(b"\x89PNG", "image/png", "1.2")
    manager.clear_session_refs()
    manager.remove_orphaned_files()
    assert not _stored(manager, url.rsplit("/", 1)[-1])


def test_a_streamlit_without_the_parts_it_needs_is_left_as_it_is(caplog):
    class Other:
        def execute_deferred(self, file_id):
            return f"/media/{file_id}.txt"

    other = Other()
    with caplog.at_level(logging.WARNING, logger="ui.downloads"):
        assert not downloads.keep_clicked_files(other)
    assert other.execute_deferred("x") == "/media/x.txt"
    assert "clicked downloads are not kept" in caplog.text
