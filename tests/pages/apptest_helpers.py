"""Opening a chapter in AppTest the way a student reaches it."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import SelectSlider

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 240  # a cold page loads MiniLM or a checkpoint on two shared cores


def open_page(page: str | Path, lang: str = "en", timeout: float = TIMEOUT, **params: str) -> AppTest:
    """Run ``app.py`` (the server's entry point, which the sidebar links need) with the
    URL's query parameters, then switch to ``page`` (a path relative to the repo root),
    and fail on any exception."""
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    app.query_params["lang"] = lang
    for name, value in params.items():
        app.query_params[name] = value
    app.run()
    page = Path(page)
    if page != Path("app.py"):
        app.switch_page(str(page))
        app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def open_script(script, lang: str = "en", **params: str) -> AppTest:  # noqa: ANN001 - a function AppTest runs
    """Run ``script`` (sections of a page, alone) with ``lang`` and ``params`` in its link;
    it must raise nothing."""
    app = AppTest.from_function(script, default_timeout=TIMEOUT)
    app.query_params["lang"] = lang
    for name, value in params.items():
        app.query_params[name] = value
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def plotly_specs(app: AppTest) -> list[dict]:
    """Every plotly chart of the page as its JSON spec."""
    return [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]


def chart_title(spec: dict) -> str:
    title = spec["layout"].get("title", {})
    return title.get("text", "") if isinstance(title, dict) else str(title)


def chart_titles(app: AppTest) -> list[str]:
    """The titles of the page's plotly charts, in page order."""
    return [chart_title(spec) for spec in plotly_specs(app)]


def chart_titled(app: AppTest, fragment: str, exact: bool = False) -> dict:
    """The first plotly chart whose title contains ``fragment`` (or is exactly it)."""
    for spec in plotly_specs(app):
        title = chart_title(spec)
        if title == fragment or (not exact and fragment in title):
            return spec
    raise AssertionError(f"no chart titled like {fragment!r} in {chart_titles(app)}")


def messages(app: AppTest) -> list[str]:
    """The page's error and warning messages, in page order within each kind."""
    return [e.value for e in app.error] + [w.value for w in app.warning]


class _SelectSliderByLabel(SelectSlider):
    """A select-slider set by the labels it shows. AppTest's ``set_value`` wants the option
    values themselves, which a test that walks every widget of a page cannot see (it only
    gets the formatted labels); the widget state sent to the script is those labels anyway."""

    labels: list[str]

    @property
    def _widget_state(self) -> WidgetState:
        state = WidgetState()
        state.id = self.id
        state.string_array_value.data[:] = self.labels
        return state


def select_by_label(slider: SelectSlider, *labels: str) -> SelectSlider:
    """Put ``slider`` on the option(s) labelled ``labels`` (two labels: a range) for the next run."""
    unknown = [label for label in labels if label not in slider.options]
    assert not unknown, f"{unknown} not among {slider.options}"
    slider.__class__ = _SelectSliderByLabel
    slider.labels = list(labels)
    return slider
