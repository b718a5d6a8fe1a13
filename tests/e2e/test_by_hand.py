"""Chapter 5's "by hand" tables in Chromium: an edit recomputes everything downstream as Python
does, the training step matches PyTorch, the controls send the server nothing, and the edited
link reopens the model cold; the projector layout keeps the numbers readable at 1280×720."""

import numpy as np
import pytest

from lm_core.models import by_hand
from tests.e2e.conftest import save_screenshot, wait_for_streamlit

pytestmark = pytest.mark.e2e


def by_hand_frame(page, timeout_ms: int = 60_000):
    for _ in range(timeout_ms // 250):
        for frame in page.frames:
            try:
                if frame.locator("#by-hand #status[data-renders]").count():
                    return frame
            except Exception:  # a frame detached while we looked
                continue
        page.wait_for_timeout(250)
    raise AssertionError("the by-hand tables did not draw")


def cells(frame) -> dict[str, np.ndarray]:
    """Every number the tables show, by step name, at full precision (data-value)."""
    found = frame.evaluate("""() => {
        const out = {};
        for (const node of document.querySelectorAll('[data-name][data-value]')) {
            const name = node.dataset.name;
            (out[name] = out[name] || []).push([+node.dataset.row, +node.dataset.col, node.dataset.value]);
        }
        return out;
    }""")
    arrays = {}
    for name, entries in found.items():
        rows, cols = max(e[0] for e in entries) + 1, max(e[1] for e in entries) + 1
        grid = np.zeros((rows, cols))
        for row, col, value in entries:
            grid[row, col] = -np.inf if value == "-inf" else float(value)
        arrays[name] = grid
    return arrays


def status(frame, name: str) -> str:
    return frame.locator("#status").get_attribute(f"data-{name}")


def renders(frame) -> int:
    return int(status(frame, "renders"))


def check_against_python(frame, model: by_hand.ByHandModel, ids: list[int]) -> None:
    shown = cells(frame)
    for name, tensor in by_hand.forward(model.weights, ids).items():
        np.testing.assert_allclose(shown[name], tensor.numpy(), atol=1e-9, rtol=0, err_msg=name)
    for name, value in model.weights.items():
        np.testing.assert_allclose(shown[name], np.atleast_2d(value), atol=0, rtol=0, err_msg=name)
    assert status(frame, "prediction") == by_hand.predict(model, [model.words[i] for i in ids])[0]


def test_edit_step_and_link_in_the_browser(browser, open_page, server_url):
    page = open_page({"width": 1400, "height": 1000})
    sent = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(payload)))
    page.goto(f"{server_url}/Self_attention?lang=en&reveal=all", wait_until="domcontentloaded")
    wait_for_streamlit(page)
    frame = by_hand_frame(page)
    model = by_hand.load_shipped("en")
    sentence, expected = by_hand.EXAMPLE["en"]
    ids = model.ids(sentence)
    check_against_python(frame, model, ids)
    assert status(frame, "prediction") == expected
    page.wait_for_timeout(1500)  # let the page settle, then count what the controls send
    before = len(sent)

    # The arithmetic of a cell, on hover: "q = x₁·W₁ + x₂·W₂ + …" with the numbers of the tables.
    steps = by_hand.forward(model.weights, ids)
    frame.locator('td[data-name="q"][data-row="2"][data-col="0"]').hover()
    tip = frame.locator("#tip").inner_text()
    value = float(steps["q"][2, 0])
    assert tip.startswith(f"{value:.3f}".replace("-", "−") + " = "), tip
    assert tip.count("·") == by_hand.DIM and f"{float(steps['x'][2, 0]):.2f}".replace("-", "−") in tip

    # Edit one weight: everything after it follows, as Python computes it.
    count = renders(frame)
    weight = frame.locator('input[data-name="WK"][data-row="0"][data-col="1"]')
    weight.scroll_into_view_if_needed()
    weight.fill("1.5")
    weight.press("Enter")
    frame.wait_for_function(f"() => +document.getElementById('status').dataset.renders > {count}", timeout=10_000)
    edited = model.copy()
    edited.weights["WK"][0, 1] = 1.5
    assert status(frame, "edits") == "WK.0.1:1.5"
    check_against_python(frame, edited, ids)

    # One training step: the gradients and the stepped weights are PyTorch's, the loss falls.
    target = model.words.index("evening")
    count = renders(frame)
    frame.locator("select[data-key=target]").select_option(str(target))
    frame.locator("input[data-key=gradients]").check()
    frame.wait_for_function(f"() => +document.getElementById('status').dataset.renders > {count + 1}",
                            timeout=10_000)
    loss, grads = by_hand.gradients(edited, ids, target)
    shown = cells(frame)
    for name, grad in grads.items():
        np.testing.assert_allclose(shown[f"grad_{name}"], np.atleast_2d(grad), atol=1e-6, rtol=0, err_msg=name)
    assert float(status(frame, "loss")) == pytest.approx(loss, abs=1e-6)
    count = renders(frame)
    frame.locator("button.take-step").click()
    frame.wait_for_function(f"() => +document.getElementById('status').dataset.renders > {count}", timeout=10_000)
    stepped = by_hand.take_step(edited, grads, 0.01)
    after = float(by_hand.loss(stepped.weights, ids, target))
    assert float(status(frame, "loss")) == pytest.approx(after, abs=1e-6) and after < loss
    check_against_python(frame, stepped, ids)
    assert frame.locator(".step-result.down").count() == 1

    # Undo brings the edited model back; nothing of this asked the server.
    count = renders(frame)
    frame.locator("button.undo").click()
    frame.wait_for_function(f"() => +document.getElementById('status').dataset.renders > {count}", timeout=10_000)
    check_against_python(frame, edited, ids)
    frame.locator("button.take-step").click()
    page.wait_for_timeout(1500)  # the address is rewritten each second: that too stays in the browser
    assert len(sent) == before, f"{len(sent) - before} websocket frames sent by the by-hand controls"
    link = page.url
    assert "hand=" in link and "hand_target=7" in link
    edits = status(frame, "edits")
    assert by_hand.encode_edits(model, stepped) == edits
    page.close()

    # The link, opened cold in a new browser context, restores the stepped model.
    fresh = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    page = fresh.new_page()
    page.goto(link, wait_until="domcontentloaded")
    wait_for_streamlit(page)
    frame = by_hand_frame(page)
    assert status(frame, "edits") == edits
    check_against_python(frame, stepped, ids)
    assert page.locator('[data-testid="stException"]').count() == 0

    # "The same step in the real tiny GPT": chapter 5's explorer, same sentence, the tiny GPT.
    real = frame.locator("a.real-model")
    assert real.get_attribute("target") == "_blank"
    page.goto(server_url + real.get_attribute("href"), wait_until="domcontentloaded")
    wait_for_streamlit(page)
    assert page.locator('[data-testid="stTextInput"] input').first.input_value() == "It rained this"
    assert "model=gpt_toy_en" in page.url  # the page writes back the model it chose
    assert page.locator('[data-testid="stException"]').count() == 0
    fresh.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_projector_layout_keeps_the_numbers_readable(open_page, server_url, lang):
    page = open_page({"width": 1280, "height": 720})
    page.goto(f"{server_url}/Self_attention?lang={lang}&projector=1&reveal=all", wait_until="domcontentloaded")
    wait_for_streamlit(page)
    frame = by_hand_frame(page)
    sizes = frame.evaluate("""() => [...document.querySelectorAll('table.numbers td, table.numbers th, td.weight input')]
        .map((node) => parseFloat(getComputedStyle(node).fontSize))""")
    assert sizes and min(sizes) >= 16, min(sizes)
    widest = frame.evaluate("() => Math.max(...[...document.querySelectorAll('table.numbers')].map((t) => t.getBoundingClientRect().right))")
    assert widest <= frame.evaluate("() => document.documentElement.clientWidth") + 1  # no table runs off the side
    frame.locator("section[data-step=qkv]").scroll_into_view_if_needed()
    save_screenshot(page, f"by_hand_projector_{lang}", max_height=6000)
    page.close()
