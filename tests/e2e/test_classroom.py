"""The classroom promise in a real browser.

- A link reproduces the view: set a non-default view (from a link, then typing into a
  box), take the URL the page wrote, open it cold in a new browser context on a second,
  freshly started server, and compare what every chart shows (plotly.js's data).
- Offline is offline: no page asks anything of a host other than the app's own (checked where
  every page is photographed, ``test_browser.py``).
- Projector layout at 1280x720: each chapter's main chart starts on the first screen
  (both languages); at phone width the sidebar starts folded away (``test_layout.py``).
"""

from pathlib import Path

import pytest

from tests.e2e.conftest import (
    explorer_frame,
    explorer_state,
    plotly_data,
    wait_for_charts,
    wait_for_streamlit,
)
from ui import i18n

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
PAGES = [path.stem.split("_", 1)[1] for path in sorted((ROOT / "pages").glob("*.py"))]

# page -> (a non-default view as a link, the box typed into (its label's key, or key and
# placeholders), what is typed, its URL parameter)
VIEWS = {
    "Tokenization": ("vocab=800&ws=1&steps=5", "ch1.input.text", "Tokens are fun to count", "text"),
    "Bag_of_words": ("mode=tfidf&ngram=1-2&sample=120", "ch2.order.first", "The cat bites the dog.", "a"),
    "Word2vec": ("method=pca&top=60&grouped=0&k=5", "ch3.ask.word", "queen", "word"),
    # Step 3 of the step chart, a forced word (its own heatmap) and another pair of sentences.
    "RNN_and_attention": ("example=2&step=3&force_step=2&force_word=1&ctx_a=The+man+eats+sweet+cake."
                          "&ctx_b=The+sweet+children+see+the+cat.&epochs=2&hidden=32",
                          "ch4.input.text", "The woman sees the white horses in the evening.", "text"),
    "Self_attention": ("layer=3&head=1&view=heads&token=2", "ch5.sentence.label",
                       "The dog chased the ball because it was fast", "text"),
    # Two masked tokens, another span, a BERT-sized calculator in fp32; a search typed in.
    "Model_families": ("mask=1,6&span=2-4&preset=bert_base&layers=6&precision=fp32&ff_kind=swiglu",
                       "ch6.vectors.query_label", "the staff were rude and slow", "q"),
    "Generation": ("temp=0.7&top_k=5&n=8", "ch7.prompt.label", "the king", "prompt"),
    # The Chinese data set, calibrated, the tiny GPT prompted with examples of the
    # learner's choice (scored live, a fraction of a second); a test sentence by number.
    "Pretrain_finetune_prompt": ("data=zh&cal=1&pm=gpt&mode=few&shots=5,9,12&it_steps=50&ft_steps=60&size=m",
                                 ("ch8.drill.index", {"n": 180}), "17", "sent"),
}
# Charts that time this machine: their numbers differ from run to run (on any server), so
# only what they show, not how long it took, is compared.
TIMINGS = {"RNN_and_attention": ("ch4.timing.title",)}


def _label(spec) -> str:
    key, params = (spec, {}) if isinstance(spec, str) else spec
    return i18n.translate(key, "en", **params)


def _untimed(charts: list[dict], url_path: str) -> list[dict]:
    titles = {i18n.translate(key, "en") for key in TIMINGS.get(url_path, ())}
    return [
        {**chart, "data": [{k: v for k, v in trace.items() if k != "y"} for trace in chart["data"]]}
        if any(title in chart["title"] for title in titles) else chart
        for chart in charts
    ]


def _type_into(page, label: str, text: str) -> None:
    from playwright.sync_api import expect

    wait_for_charts(page)  # lazily loaded elements (the box among them) have mounted
    box = page.locator(f'[aria-label="{label}"]').first
    box.fill(text)
    expect(box).to_have_value(text)
    is_area = box.evaluate("el => el.tagName") == "TEXTAREA"
    box.press("Control+Enter" if is_area else "Enter")
    page.wait_for_timeout(500)
    wait_for_streamlit(page)


@pytest.mark.parametrize("url_path", list(VIEWS))
def test_a_link_reproduces_the_view_on_a_fresh_server(browser, open_page, server_url, fresh_server_url, url_path):
    from playwright.sync_api import expect

    query, label_key, typed, param = VIEWS[url_path]
    page = open_page({"width": 1400, "height": 1000})
    page.goto(f"{server_url}/{url_path}?lang=en&{query}", wait_until="domcontentloaded")
    wait_for_streamlit(page)
    _type_into(page, _label(label_key), typed)
    # Wait on the state asserted: the rerun the typing asked for has written the box into the link.
    page.wait_for_function("name => new URLSearchParams(location.search).has(name)", arg=param, timeout=120_000)
    wait_for_streamlit(page)
    link = page.url
    assert f"{param}=" in link, link
    shown = _untimed(plotly_data(page), url_path)
    explorer = explorer_state(page) if url_path == "Self_attention" else None
    page.close()
    assert shown, "the teacher's page drew no chart"

    student = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    cold = student.new_page()
    cold.goto(link.replace(server_url, fresh_server_url), wait_until="domcontentloaded")
    wait_for_streamlit(cold)
    assert cold.locator('[data-testid="stException"]').count() == 0
    # A box mounts empty and gets its value a moment later on a busy machine: wait for it.
    expect(cold.locator(f'[aria-label="{_label(label_key)}"]').first).to_have_value(typed, timeout=90_000)
    assert _untimed(plotly_data(cold), url_path) == shown
    if explorer is not None:  # chapter 5's explorer draws in the browser, not with plotly
        assert explorer_state(cold) == explorer
    student.close()


def test_explorer_moves_in_the_browser_and_its_link_opens_the_same_view(browser, open_page, server_url, fresh_server_url):
    """Chapter 5: layer, head, token, view, what-if and temperature answer in the browser (at
    most one message to the server once the learner stops, so the questions follow the head),
    write themselves into the address, and that address opened cold on another server shows
    the same panels."""
    page = open_page({"width": 1400, "height": 1000})
    sent = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(payload)))
    page.goto(f"{server_url}/Self_attention?lang=en&example=keys&reveal=all", wait_until="domcontentloaded")
    wait_for_streamlit(page)
    frame = explorer_frame(page)
    page.wait_for_timeout(1500)
    before = len(sent)
    frame.locator("input[data-key=layer]").fill("4")
    frame.locator("input[data-key=head]").fill("7")
    frame.locator("select[data-key=token]").select_option("5")
    frame.locator("input[data-key=causal]").check()
    frame.locator("button[data-view=token]").click()
    frame.locator("input[data-key=temperature]").fill("2")  # the third temperature
    state = explorer_state(page)
    assert (state["layer"], state["head"], state["token"], state["view"], state["causal"]) == ("4", "7", "5", "token", "1")
    assert state["temperature"] == "0.5"
    # The what-if masks what comes later: the followed token's lines give later tokens nothing.
    assert frame.locator(".banner").is_visible()
    page.wait_for_timeout(2500)  # the address is rewritten at once and checked every second
    # Six moves cost the server nothing each; once the learner has stopped on a head, one
    # message (ui/chapters/ch5/follow.js) lets the page's questions and BertViz follow it.
    assert len(sent) - before <= 1, f"moving the explorer sent {len(sent) - before} messages to the server"
    link = page.url
    for part in ("layer=4", "head=7", "token=5", "view=token", "causal=1", "temp=0.5"):
        assert part in link, (part, link)
    # A rerun for another reason (here: the language) keeps the view the learner moved to,
    # although the server only knows the one it opened.
    page.get_by_text("中文", exact=True).click()
    page.wait_for_function("() => location.search.includes('lang=zh')", timeout=120_000)
    wait_for_streamlit(page)
    page.wait_for_timeout(1500)
    moved = explorer_state(page)
    assert {k: moved[k] for k in ("layer", "head", "token", "view", "causal", "temperature")} == {
        k: state[k] for k in ("layer", "head", "token", "view", "causal", "temperature")}
    assert "lang=zh" in page.url and "layer=4" in page.url and "head=7" in page.url
    page.close()

    student = browser.new_context(viewport={"width": 1280, "height": 720}, locale="en-US")
    cold = student.new_page()
    cold.goto(link.replace(server_url, fresh_server_url), wait_until="domcontentloaded")
    wait_for_streamlit(cold)
    assert explorer_state(cold) == state
    student.close()


def test_chapter_4s_step_slider_is_in_the_link(browser, open_page, server_url, fresh_server_url):
    """Move chapter 4's step slider with the keyboard: the URL names the step shown (from 1),
    and the link opened cold on a fresh server draws the same step."""
    page = open_page({"width": 1400, "height": 1000})
    page.goto(f"{server_url}/RNN_and_attention?lang=en&example=1", wait_until="domcontentloaded")
    wait_for_streamlit(page)
    label = i18n.translate("ch4.steps.slider", "en")
    thumb = page.locator(f'input[type="range"][aria-label="{label}"]').first
    thumb.focus()
    for _ in range(2):
        thumb.press("ArrowRight")
    # Wait on the state asserted: the slider's rerun has written the step into the link.
    page.wait_for_function("() => new URLSearchParams(location.search).get('step') === '3'", timeout=120_000)
    wait_for_streamlit(page)
    link = page.url
    assert "step=3" in link, link
    shown = plotly_data(page)[0]  # the step-by-step chart (the timing chart below is measured live)
    page.close()

    student = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    cold = student.new_page()
    cold.goto(link.replace(server_url, fresh_server_url), wait_until="domcontentloaded")
    wait_for_streamlit(cold)
    assert cold.locator('[data-testid="stException"]').count() == 0
    assert plotly_data(cold)[0] == shown
    assert "Where step 3 looks" in cold.locator('[data-testid="stPlotlyChart"]').first.inner_text()
    student.close()


# Offline is offline: tests/e2e/test_browser.py::test_screenshot_every_page opens every page
# (both languages) with every request off the machine refused and fails on any.


# The projector layout (main chart on the first screen, sidebar folded, nothing broken) is
# checked for every chapter in both languages by
# tests/e2e/test_layout.py::test_projector_shows_the_whole_main_figure_on_the_first_screen.


# At phone width (every chapter: the sidebar starts folded, nothing overflows without its own
# scroll, and chapters 4's and 6's three panels keep a readable width in a box that scrolls
# sideways): tests/e2e/test_layout.py::test_at_phone_width_nothing_overflows_without_its_own_scroll,
# one page load per chapter.


@pytest.mark.parametrize(("lang", "projector"), [("zh", True), ("en", True), ("zh", False), ("en", False)])
def test_word_map_labels_do_not_touch_at_1280(open_page, server_url, lang, projector):
    """Chapter 3's word map at 1280x720, as drawn: no two labels overlap (Chinese words are
    wider per character than the estimate's Latin letters), none is cut at the axes."""
    page = open_page({"width": 1280, "height": 720})
    page.goto(f"{server_url}/Word2vec?lang={lang}{'&projector=1' if projector else ''}", wait_until="domcontentloaded")
    wait_for_streamlit(page)
    find_map = """[...document.querySelectorAll('.js-plotly-plot')].find(p => p.data && p.layout
                && p.data.some(d => d.mode === 'markers+text' && d.customdata))"""
    # Plotly draws the map after the script run ends (its bundle loads lazily): wait for its labels.
    page.wait_for_function(
        f"() => {{ const plot = {find_map}; return plot && plot.querySelectorAll('.textpoint text').length > 0; }}",
        timeout=60_000,
    )
    page.wait_for_timeout(500)
    found = page.evaluate(
        f"""() => {{
            const plot = {find_map};
            if (!plot) return null;
            const area = plot.querySelector('.nsewdrag').getBoundingClientRect();
            const labels = [...plot.querySelectorAll('.scatterlayer .textpoint text')].filter(t => t.textContent)
                .map(t => {{ const r = t.getBoundingClientRect(); return [t.textContent, r.left, r.top, r.right, r.bottom]; }});
            return {{labels, area: [area.left, area.top, area.right, area.bottom]}};
        }}"""
    )
    page.close()
    assert found and len(found["labels"]) >= 10, found
    labels, (left, top, right, bottom) = found["labels"], found["area"]
    touching = [
        (a[0], b[0])
        for i, a in enumerate(labels)
        for b in labels[i + 1 :]
        if a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5 and a[2] < b[4] - 0.5 and b[2] < a[4] - 0.5
    ]
    assert not touching, touching
    cut = [a[0] for a in labels if a[1] < left - 1 or a[3] > right + 1 or a[2] < top - 1 or a[4] > bottom + 1]
    assert not cut, cut
