// "Download: SVG · PNG · CSV" under every Plotly chart (ui/export.py puts this script on every page).
//
// A teacher preparing slides wants the picture, a student writing a report the numbers. All of it
// happens here, in the browser, from what the chart already drew: the SVG and the PNG come from
// plotly.js's own `Plotly.downloadImage` (the library the page loaded; no server-side renderer),
// at the size and under the file name the server set in the chart's `toImageButtonOptions` (the
// modebar's camera gives the same PNG); the CSV is written from the chart's own data
// (viz/csv.js). Nothing is sent to the server and nothing is fetched: a click costs no rerun.
// The bar sits below the chart, never over its title.
(() => {
  if (window.__llmxExport) return;  // one per browser tab: it follows the page shown
  window.__llmxExport = true;

  const style = document.createElement("style");
  style.textContent = `
    .llmx-export { display: flex; justify-content: flex-end; align-items: center; gap: 0.25rem;
      flex-wrap: wrap; margin: 0.1rem 0 0; font: 0.8rem "Source Sans Pro", "Source Sans 3", sans-serif;
      color: rgba(49, 51, 63, 0.7); }
    .llmx-export button { font: inherit; color: #0b5c8a; background: transparent; cursor: pointer;
      border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 0.35rem; padding: 0.05rem 0.5rem;
      min-height: 1.6rem; }
    .llmx-export button:hover { background: rgba(0, 114, 178, 0.08); }
    .llmx-export button:focus-visible { outline: 2px solid #0072B2; outline-offset: 1px; }
    .llmx-export button[disabled] { opacity: 0.5; cursor: progress; }
    @media (max-width: 640px) { .llmx-export { justify-content: flex-start; position: sticky; left: 0; } }`;
  document.head.appendChild(style);

  function labels() {
    const wanted = document.querySelector(".llmx-export-wanted");
    const data = wanted ? wanted.dataset : {};
    return {
      download: data.download || "Download",
      bar: data.bar || "Download:",
      svg: data.svg || "Picture (SVG)",
      png: data.png || "Picture for slides (PNG)",
      csv: data.csv || "The numbers (CSV)",
    };
  }

  function plotOf(bar) {
    const container = bar.closest('[data-testid="stElementContainer"]');
    return container ? container.querySelector(".js-plotly-plot") : null;
  }

  // The picture's size and name as the server set them (ui.common.chart); a chart drawn another
  // way gets the same size and a name from its chapter and its place on the page.
  function imageOptions(gd) {
    const given = (gd._context && gd._context.toImageButtonOptions) || {};
    const wanted = document.querySelector(".llmx-export-wanted");
    const plots = [...document.querySelectorAll(".js-plotly-plot")];
    const chapter = (wanted && wanted.dataset.chapter) || "llm-explainer";
    return {
      filename: given.filename || `${chapter}-chart-${plots.indexOf(gd) + 1}`,
      width: given.width || 960,
      height: given.height || (gd.layout && gd.layout.height) || 540,
      scale: given.scale || 2,
    };
  }

  // The chart's traces with their values as plotly.js holds them (typed arrays decoded).
  function traces(gd) {
    const full = gd._fullData || [];
    return (gd.data || []).map((input, index) => {
      const drawn = full.find((trace) => trace.index === index) || {};
      const trace = { type: drawn.type || input.type, name: input.name, visible: drawn.visible };
      for (const key of ["x", "y", "z", "text"]) {
        const value = drawn[key] !== undefined ? drawn[key] : input[key];
        if (value !== undefined) trace[key] = value;
      }
      return trace;
    });
  }

  function save(blob, filename) {
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = filename;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  }

  function download(bar, format, button) {
    const gd = plotOf(bar);
    if (!gd || !gd._fullLayout) return;
    const options = imageOptions(gd);
    if (format === "csv") {
      // A byte-order mark: a spreadsheet then reads the Chinese labels as UTF-8.
      save(new Blob(["\ufeff" + window.llmxCsv.figureCsv(traces(gd))], { type: "text/csv;charset=utf-8" }),
           `${options.filename}.csv`);
      return;
    }
    if (!window.Plotly || !window.Plotly.downloadImage) return;
    const request = { format, filename: options.filename, width: options.width, height: options.height };
    if (format === "png") request.scale = options.scale;
    button.disabled = true;
    window.Plotly.downloadImage(gd, request).catch((error) => console.warn("export", error))
      .finally(() => { button.disabled = false; });
  }

  function makeBar(text) {
    const bar = document.createElement("div");
    bar.className = "llmx-export";
    bar.setAttribute("role", "group");
    bar.setAttribute("translate", "no");
    const name = document.createElement("span");
    name.className = "llmx-export-name";
    bar.appendChild(name);
    for (const format of ["svg", "png", "csv"]) {
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.format = format;
      button.textContent = format.toUpperCase();
      button.addEventListener("click", () => download(bar, format, button));
      bar.appendChild(button);
    }
    label(bar, text);
    return bar;
  }

  // The words in the page's language; the PNG's promise names its size in pixels.
  function label(bar, text) {
    const gd = plotOf(bar);
    const options = gd ? imageOptions(gd) : imageOptions({});
    const size = { width: options.width * options.scale, height: options.height * options.scale };
    const signature = JSON.stringify([text, options]);
    if (bar.dataset.signature === signature) return;
    bar.dataset.signature = signature;
    bar.dataset.filename = options.filename;  // what the downloads will be (the tests read it)
    bar.dataset.width = String(options.width);
    bar.dataset.height = String(options.height);
    bar.dataset.scale = String(options.scale);
    bar.setAttribute("aria-label", text.download);
    bar.querySelector(".llmx-export-name").textContent = text.bar;
    for (const button of bar.querySelectorAll("button")) {
      button.title = text[button.dataset.format].replace(/\{(width|height)\}/g, (whole, key) => String(size[key]));
    }
  }

  function update() {
    if (!document.querySelector(".llmx-export-wanted")) return;  // a page without the export (a lesson's frame)
    const text = labels();
    for (const stale of document.querySelectorAll(".llmx-export")) {  // its place now holds something else
      if (!stale.parentElement.querySelector('[data-testid="stPlotlyChart"]')) stale.remove();
    }
    for (const chart of document.querySelectorAll('[data-testid="stPlotlyChart"]')) {
      const container = chart.closest('[data-testid="stElementContainer"]');
      if (!container) continue;
      const bar = container.querySelector(":scope > .llmx-export");
      if (bar) label(bar, text);
      else container.appendChild(makeBar(text));
    }
  }
  setInterval(update, 700);
  update();
})();
