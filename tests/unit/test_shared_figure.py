"""ui.shared: figures built once per server (one build per key, however many callers), each
caller its own copy that sends the very JSON the freshly built figure sends, in both layouts;
the store bounded by bytes and entries."""

import json
import threading

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from ui import shared
from ui.common import safe_figure_text
from viz import ch8 as ch8_figs
from viz import parallel as parallel_figs
from viz.style import projector_style


def sent(figure: go.Figure) -> dict:
    """What st.plotly_chart sends the browser (its spec), parsed."""
    return json.loads(pio.to_json(figure.to_dict(), validate=False))


def test_a_keyed_figure_is_built_once_and_shared_and_a_factory_figure_copied_per_caller():
    builds = []

    def build(name):
        builds.append(name)
        return go.Figure(go.Bar(x=[1], y=[2]), layout={"title": {"text": f"<b>{name}</b>"}})

    first = shared.shared_figure(("test", "a"), lambda: build("a"))
    again = shared.shared_figure(("test", "a"), lambda: build("a"))
    other = shared.shared_figure(("test", "b"), lambda: build("b"))
    assert builds == ["a", "b"]
    assert again is first and other is not first  # one object for every session: never changed
    fresh = build("a")
    builds.pop()
    safe_figure_text(fresh)
    assert sent(first) == sent(fresh) and first.to_dict() is first.to_dict()  # its dict made once
    # A typed <b> shows as text, escaped once however many sessions get the figure.
    title = first.layout.title.text
    assert "<b>" not in title and "a" in title and "&amp;" not in title

    mine = shared.figure(build, "c")
    yours = shared.figure(build, "c")
    assert builds == ["a", "b", "c"] and mine is not yours and sent(mine) == sent(yours)
    projector_style(mine)  # one caller restyles its copy: the next caller's is untouched
    assert sent(shared.figure(build, "c")) == sent(yours) != sent(mine)


def test_thirty_callers_at_once_build_a_figure_once():
    builds = []
    barrier = threading.Barrier(30)

    def build():
        builds.append(1)
        return go.Figure(go.Bar(x=[1, 2], y=[3, 4]))

    def caller():
        barrier.wait()
        shared.shared_figure(("test", "thirty"), build)

    threads = [threading.Thread(target=caller) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(builds) == 1


def _three_panels(title: str) -> go.Figure:
    from plotly.subplots import make_subplots

    figure = make_subplots(rows=1, cols=3)
    for col in (1, 2, 3):
        figure.add_trace(go.Heatmap(z=np.arange(6.0).reshape(2, 3) * col), row=1, col=col)
    return figure.update_layout(title=title, height=333)


MATRIX = np.array([[10, 2, 3], [1, 20, 3], [4, 5, 60]])
CALLS = [  # (factory, args, kwargs): figures of several kinds, numpy arrays and learner text in them
    (ch8_figs.confusion_figure, (MATRIX.tolist(), ["neg", "neu", "pos"],
                                 {"title": "<i>mine</i>", "x": "predicted", "y": "true", "hover": "%{z}"}), {"height": 300}),
    (ch8_figs.scaling_params_figure, ([1e4, 1e5, 1e6], [3.1, 2.7, 2.5], ["s", "m", "l"], {"a": 9.0, "b": 0.1},
                                      {"title": "t", "x": "x", "y": "y", "points": "p", "fit": "f"}), {}),
    (parallel_figs.time_split_figure, ([("a", 0.01, 0.002), ("b", 0.02, 0.0)],
                                       {"compute": "c", "communicate": "m", "x": "ms", "title": "t"}), {}),
    (_three_panels, ("<b>three</b> panels",), {}),
]


def test_a_copy_sends_what_the_built_figure_sends_numpy_arrays_and_projector_included():
    for factory, args, kwargs in CALLS:
        built = factory(*args, **kwargs)
        safe_figure_text(built)
        copy = shared.figure(factory, *args, **kwargs)
        safe_figure_text(copy)  # ui.common.chart does it again: a no-op on literal text
        assert sent(copy) == sent(built), factory.__name__
        assert sent(projector_style(shared.figure(factory, *args, **kwargs))) == sent(projector_style(built))


def test_a_copy_is_read_as_json_until_something_needs_the_plotly_object(monkeypatch):
    """``ui.common.chart`` shows a stored figure from its JSON: the same bytes to Streamlit, the
    same export name and size, the same panel count, and no Plotly object made. Anything more
    (a read of ``layout``, a change, the projector) builds the caller's own copy, as before."""
    import copy
    import pickle

    from ui import common, export

    shown = []
    monkeypatch.setattr(common, "projector_on", lambda: False)
    monkeypatch.setattr(export, "current_chapter", lambda: "ch8")
    monkeypatch.setattr(common.st, "plotly_chart", lambda figure, **kwargs: shown.append((figure, kwargs)))
    for factory, args, kwargs in CALLS:
        built = factory(*args, **kwargs)
        safe_figure_text(built)
        stored = shared.figure(factory, *args, **kwargs)
        assert isinstance(stored, go.Figure) and stored.peek_layout() is not None  # not built yet
        assert pio.to_json(stored, validate=False) == pio.to_json(built, validate=False), factory.__name__
        assert export.image_options(stored, "ch8", "k") == export.image_options(built, "ch8", "k")
        assert common._side_by_side_panels(stored) == common._side_by_side_panels(built)
        for twin in (copy.deepcopy(stored), pickle.loads(pickle.dumps(stored))):
            assert twin.peek_layout() is not None and twin.to_dict() == stored.to_dict()
        common.chart(stored, key="k")
        figure, options = shown.pop()
        assert figure is stored and stored.peek_layout() is not None, factory.__name__  # shown without a Plotly object
        assert options["config"]["toImageButtonOptions"] == export.image_options(built, "ch8", "k")
        # A read builds it; a change stays in this caller's copy.
        assert stored.layout.title.text == built.layout.title.text and stored.peek_layout() is None
        stored.update_layout(height=123)
        assert stored.to_dict()["layout"]["height"] == 123
        assert copy.deepcopy(stored).to_dict() == pickle.loads(pickle.dumps(stored)).to_dict() == stored.to_dict()
        again = shared.figure(factory, *args, **kwargs)
        assert pio.to_json(again, validate=False) == pio.to_json(built, validate=False)
    assert common._side_by_side_panels(shared.figure(_three_panels, "x")) == 3


def test_the_store_keeps_within_its_byte_budget_and_entries():
    def build(n):
        return go.Figure(go.Scatter(y=list(range(50 + n))))

    size = len(pio.to_json(build(39), validate=False))
    for as_text, cost in ((True, size), (False, size * shared.OBJECT_COST_FACTOR)):
        store = shared.FigureStore(budget_bytes=int(cost * 3.5), max_entries=5)
        keep = store.text if as_text else store.get
        for n in range(40):
            keep(("n", n), lambda n=n: build(n))
        # A figure kept as an object counts what it holds in memory, several times its JSON.
        assert store.bytes <= cost * 3.5 and len(store) == 3, (as_text, store.bytes, len(store))
        assert store.builds == 40
        keep(("n", 39), lambda: go.Figure())  # the newest is still there: no build
        assert store.builds == 40
    store = shared.FigureStore(budget_bytes=20_000, max_entries=5)
    for n in range(40):
        store.text(("n", n), lambda n=n: go.Figure(layout={"template": None}, data=[go.Scatter(y=[n])]))
    assert len(store) == 5 and store.bytes <= 20_000  # small figures: the entry limit holds


def test_arguments_become_keys_by_content():
    assert shared.freeze([1, 2]) == shared.freeze([1, 2]) and shared.freeze([1, 2]) != shared.freeze([2, 1])
    assert shared.freeze(np.arange(3.0)) == shared.freeze(np.arange(3.0))
    assert shared.freeze(np.arange(3.0)) != shared.freeze(np.arange(3))
    assert shared.freeze({"a": [1]}) != shared.freeze({"a": [2]})


def test_a_keyed_copy_is_built_once_per_key_and_each_caller_gets_its_own():
    builds = []

    def build():
        builds.append(1)
        return go.Figure(go.Bar(x=["a", "b"], y=[0.7, 0.3]), layout={"title": {"text": "step 1"}})

    key = ("test.keyed", "model", (1, 2, 3), "en")
    first, second = shared.keyed_figure(key, build), shared.keyed_figure(key, build)
    assert len(builds) == 1 and first is not second  # one build; a copy each (a caller may restyle its own)
    assert sent(first) == sent(second) == sent(build())
    shared.keyed_figure(("test.keyed", "model", (1, 2, 3), "zh"), build)  # another language: another figure
    assert len(builds) == 3  # (the direct build() above counts one)
    projector_style(first)
    assert sent(shared.keyed_figure(key, build)) == sent(second)  # the store's figure untouched


def test_a_shared_chart_names_its_picture_as_every_other_chart(monkeypatch):
    from ui import export

    sent_to_streamlit = {}

    class Page:
        @staticmethod
        def plotly_chart(figure, key=None, **kwargs):
            sent_to_streamlit.update(kwargs, key=key)

    monkeypatch.setattr(shared, "projector_on", lambda: False)
    monkeypatch.setattr(export, "current_chapter", lambda: "ch7")
    figure = shared.shared_figure(("test.export",), lambda: go.Figure(layout={"title": {"text": "The cache"}}))
    shared.shared_chart(figure, key="ch7_kv_fill", where=Page)
    options = sent_to_streamlit["config"]["toImageButtonOptions"]
    assert options == export.image_options(figure, "ch7", "ch7_kv_fill") and options["format"] == "png"
    assert sent_to_streamlit["config"]["displaylogo"] is False and sent_to_streamlit["width"] == "stretch"
