// Arrow keys everywhere in a lesson (ui/presenter.py puts this script on the page).
//
// In the presenter, Streamlit's own button shortcuts move between steps, but a key pressed
// after clicking into the embedded view goes to the view's document: that key is passed on
// to the presenter's Next / Previous button; the view opens at its main chart. On a chapter
// opened from a step, the arrow keys follow the lesson bar's links (previous step, next step)
// and Escape goes back to the lesson. Keys typed into a box, a slider or a list are left alone. Nothing here talks to
// the server: the only message sent is the click on the link or button itself.
(() => {
  if (window.__llmxLessonKeys) return;  // one listener per browser tab, whatever the page
  window.__llmxLessonKeys = true;

  const EDITING = 'input, textarea, select, [contenteditable=""], [contenteditable="true"], '
    + '[role="slider"], [role="combobox"], [role="listbox"], [role="option"], [role="radio"], '
    + '[role="tab"], [role="spinbutton"], [role="textbox"]';

  function ignored(event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return true;
    const target = event.target;
    return Boolean(target && target.closest && target.closest(EDITING));
  }

  function press(doc, key) {
    const control = doc.querySelector(`.st-key-${key} a, .st-key-${key} button`);
    if (!control || control.disabled || control.getAttribute("aria-disabled") === "true") return false;
    control.click();
    return true;
  }

  // A chapter page opened from a lesson step (its lesson bar has these keys).
  const CHAPTER_KEYS = { ArrowRight: "lesson_next_step", ArrowLeft: "lesson_prev_step", Escape: "lesson_back" };
  document.addEventListener("keydown", (event) => {
    if (ignored(event) || !(event.key in CHAPTER_KEYS)) return;
    if (press(document, CHAPTER_KEYS[event.key])) event.preventDefault();
  });

  // The presenter's embedded view: pass its arrow keys on to the presenter's buttons.
  const PRESENTER_KEYS = { ArrowRight: "presenter_next", ArrowLeft: "presenter_prev" };
  function listenInside(frame) {
    let inner;
    try { inner = frame.contentWindow; inner.document; } catch (error) { return; }  // not loaded yet
    if (!inner || inner.__llmxForwarding) return;
    inner.__llmxForwarding = true;  // a new document after each step's load: listen again
    inner.addEventListener("keydown", (event) => {
      if (ignored(event) || !(event.key in PRESENTER_KEYS)) return;
      if (press(document, PRESENTER_KEYS[event.key])) event.preventDefault();
    });
  }

  // The view opens at the chapter's main chart (with the line above it, often the question).
  function showMainChart(frame) {
    let inner;
    try { inner = frame.contentWindow; inner.document; } catch (error) { return; }
    if (!inner || inner.__llmxShown) return;
    const doc = inner.document;
    const app = doc.querySelector('[data-testid="stApp"]');
    const chart = doc.querySelector(".st-key-main_chart");
    if (!app || !chart || app.getAttribute("data-test-script-state") !== "notRunning") return;
    inner.__llmxShown = true;
    // Scroll the view's own box only (scrollIntoView would scroll the presenter page too).
    for (let box = chart.parentElement; box; box = box.parentElement) {
      const style = inner.getComputedStyle(box);
      if (box.scrollHeight > box.clientHeight && /(auto|scroll)/.test(style.overflowY)) {
        const offset = chart.getBoundingClientRect().top - box.getBoundingClientRect().top;
        box.scrollTop = Math.max(0, box.scrollTop + offset - 90);
        break;
      }
    }
  }

  setInterval(() => document.querySelectorAll(".st-key-presenter_view iframe").forEach((frame) => {
    listenInside(frame);
    showMainChart(frame);
  }), 700);
})();
