// A chapter's table of contents (ui/wayfinding.py puts this script on every chapter page).
//
// The page's section headers (h2, or h3 on a page without enough h2) become a "Contents" list at the top right, under
// Streamlit's header bar; a click scrolls to the section. Built in the browser from what is
// drawn, so a chapter that grows a section has it listed with no code of its own; a page
// with fewer than three sections shows none. The list lives outside Streamlit's own
// elements and sends nothing to the server.
(() => {
  if (window.__llmxToc) return;  // one per browser tab: it follows the page shown
  window.__llmxToc = true;

  const box = document.createElement("details");
  box.className = "llmx-toc";
  box.setAttribute("translate", "no");
  const style = document.createElement("style");
  style.textContent = `
    .llmx-toc { position: fixed; top: 0.6rem; right: 4.2rem; z-index: 999991; max-width: 22rem;
      font: 0.9rem "Source Sans Pro", "Source Sans 3", sans-serif; background: #fff;
      border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 0.5rem; }
    .llmx-toc summary { cursor: pointer; padding: 0.3rem 0.7rem; color: #1F2933; }
    .llmx-toc ol { margin: 0; padding: 0.2rem 0.9rem 0.6rem 2rem; max-height: 70vh; overflow-y: auto; }
    .llmx-toc a { color: #0072B2; text-decoration: none; line-height: 1.7; }
    .llmx-toc a:hover { text-decoration: underline; }
    @media (max-width: 640px) { .llmx-toc { right: 3.2rem; max-width: 70vw; } }`;
  document.head.appendChild(style);

  let shown = "";
  function headersOf(selector) {
    return [...document.querySelectorAll(selector)]
      .filter((h) => h.id && h.textContent.trim() && !h.closest('[data-testid="stExpander"], .llmx-toc'));
  }

  function sections() {  // the page's sections; a page built of subheaders lists those
    const main = '[data-testid="stMain"]';
    const top = headersOf(`${main} h2`);
    return top.length >= 3 ? top : headersOf(`${main} h2, ${main} h3`);
  }

  function update() {
    const embedded = window.top !== window;  // the presenter's view of a step: its own page has the room
    const wanted = embedded ? null : document.querySelector(".llmx-toc-wanted");  // on chapter pages only
    const label = wanted ? wanted.dataset.label : "";
    const headers = wanted ? sections() : [];
    const signature = label + "|" + headers.map((h) => h.id).join("|");
    if (signature === shown) return;
    shown = signature;
    box.textContent = "";
    if (headers.length < 3) { box.remove(); return; }
    const summary = document.createElement("summary");
    summary.textContent = label;
    const list = document.createElement("ol");
    headers.forEach((header) => {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = `#${header.id}`;
      link.textContent = header.textContent.trim();
      link.addEventListener("click", (event) => {
        event.preventDefault();  // scroll there, without a "#" in the link a teacher copies
        header.scrollIntoView({ behavior: "smooth", block: "start" });
        box.open = false;
      });
      item.appendChild(link);
      list.appendChild(item);
    });
    box.append(summary, list);
    if (!box.isConnected) document.body.appendChild(box);
  }
  setInterval(update, 1000);
})();
