// One browser history entry per view, not per control (ui/wayfinding.py and ui/presenter.py
// put this script on the page).
//
// Streamlit adds a history entry each time the address's query changes, so after moving
// five sliders the Back button took five presses to leave a chapter. Here a change of the
// query alone replaces the current entry; a new page, or a new lesson step, still adds one,
// so Back goes to the previous page or step. Nothing is sent anywhere.
(() => {
  if (window.__llmxHistory) return;
  window.__llmxHistory = true;
  const push = window.history.pushState.bind(window.history);
  const replace = window.history.replaceState.bind(window.history);
  const STEP = ["lesson", "step"];

  function sameView(url) {
    let next;
    try { next = new URL(url, window.location.href); } catch (error) { return false; }
    if (next.pathname !== window.location.pathname) return false;
    const now = new URLSearchParams(window.location.search);
    return STEP.every((name) => now.get(name) === next.searchParams.get(name));
  }

  window.history.pushState = function (state, title, url) {
    if (url !== undefined && url !== null && sameView(url)) return replace(state, title, url);
    return push(state, title, url);
  };
})();
