"""ui.shared.shared_figure: one build per key, the same object for every caller."""

from ui.shared import shared_figure


def test_a_figure_is_built_once_per_key_and_shared():
    builds = []

    def build(name):
        builds.append(name)
        return {"title": name}

    first = shared_figure(("test", "a"), lambda: build("a"))
    again = shared_figure(("test", "a"), lambda: build("a"))
    other = shared_figure(("test", "b"), lambda: build("b"))
    assert again is first and other is not first
    assert builds == ["a", "b"]
