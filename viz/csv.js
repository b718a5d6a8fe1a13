// CSV written in the browser: the numbers behind a chart, for a spreadsheet or a report.
//
// One writer for every download (ui/export.js for the Plotly charts, the chapter 5 explorer
// inlines it too). A cell that a spreadsheet would read as a formula (it starts with "=",
// "+", "-", "@", a tab or a carriage return) gets a leading "'" when it is text: a learner's
// word like "=cmd|'/c calc'!A1" stays a word. Numbers stay numbers ("-0.25" is written as it is).
// Pure functions over plain data: node runs them in the unit tests (tests/unit/test_export.py).
(function (root) {
  "use strict";

  const FORMULA_START = /^[=+\-@\t\r]/;

  // Plotly's own markup in a label: the figure's line break and the entities viz/text.py
  // writes for "<" and ">" (the learner typed those characters: the file holds them back).
  // (Written without a "<" before a letter: the page's HTML sanitiser drops a script that has one.)
  const LINE_BREAK = new RegExp("\\u003cbr\\s*/?>", "gi");
  const ENTITIES = { "&lt;": "<", "&gt;": ">", "&amp;": "&", "&quot;": "\"", "&#39;": "'", "&#x27;": "'" };

  function plainText(value) {
    return String(value)
      .replace(LINE_BREAK, " ")
      .replace(/&(lt|gt|amp|quot|#39|#x27);/g, (entity) => ENTITIES[entity]);
  }

  function isNumber(value) {
    return typeof value === "number" || typeof value === "bigint";
  }

  // One cell: numbers as they are (NaN and infinities left empty), text quoted when it
  // must be and disarmed when a spreadsheet would run it.
  function cell(value) {
    if (value === null || value === undefined) return "";
    if (isNumber(value)) return Number.isFinite(Number(value)) ? String(value) : "";
    if (typeof value === "boolean") return value ? "true" : "false";
    let text = plainText(value);
    if (FORMULA_START.test(text)) text = "'" + text;
    return /[",\n\r]/.test(text) ? "\"" + text.replace(/"/g, "\"\"") + "\"" : text;
  }

  function table(rows) {
    return rows.map((row) => row.map(cell).join(",")).join("\r\n") + "\r\n";
  }

  // ------------------------------------------------------------------ plotly figures

  function asList(values) {
    if (values === null || values === undefined) return null;
    if (typeof values === "string") return null;  // one text for every point: not a column
    if (ArrayBuffer.isView(values)) return Array.from(values);
    if (Array.isArray(values)) return values.map((v) => (ArrayBuffer.isView(v) ? Array.from(v) : v));
    return null;
  }

  function isMatrix(values) {
    return Array.isArray(values) && values.length > 0 && values.every((row) => Array.isArray(row));
  }

  function traceName(trace, index) {
    return trace.name !== undefined && trace.name !== null && String(trace.name) !== "" ? trace.name : `trace ${index + 1}`;
  }

  // A heatmap as a matrix: its name in the corner, the x labels along the top, one row per y label.
  function heatmapRows(trace, index) {
    const z = asList(trace.z) || [];
    const columns = z.reduce((most, row) => Math.max(most, row.length), 0);
    const x = asList(trace.x) || [...Array(columns).keys()];
    const y = asList(trace.y) || [...Array(z.length).keys()];
    const rows = [[traceName(trace, index), ...x.slice(0, columns)]];
    z.forEach((row, r) => rows.push([y[r] !== undefined ? y[r] : r, ...row]));
    return rows;
  }

  const POINT_COLUMNS = ["x", "y", "z", "text"];

  // Points of every other trace, one row each: trace, point, then x, y, z, text where any trace has them.
  function pointRows(traces) {
    const lists = traces.map(({ trace }) => {
      const columns = {};
      for (const name of POINT_COLUMNS) columns[name] = asList(trace[name]);
      return columns;
    });
    const used = POINT_COLUMNS.filter((name) => lists.some((columns) => columns[name]));
    const rows = [["trace", "point", ...used]];
    traces.forEach(({ trace, index }, t) => {
      const columns = lists[t];
      const length = Math.max(0, ...used.map((name) => (columns[name] ? columns[name].length : 0)));
      for (let i = 0; i < length; i++) {
        rows.push([traceName(trace, index), i, ...used.map((name) => (columns[name] ? columns[name][i] : null))]);
      }
    });
    return rows;
  }

  // The numbers behind a figure: ``traces`` are plotly traces (type, name, x, y, z, text);
  // heatmaps come as matrices, the other traces as one table of points, separated by an empty line.
  function figureCsv(traces) {
    const blocks = [];
    const points = [];
    traces.forEach((trace, index) => {
      if (!trace || trace.visible === false) return;
      if ((trace.type === "heatmap" || trace.type === "contour") && isMatrix(asList(trace.z))) {
        blocks.push(heatmapRows(trace, index));
      } else if (POINT_COLUMNS.some((name) => asList(trace[name]))) {
        points.push({ trace, index });
      }
    });
    if (points.length) blocks.push(pointRows(points));
    return blocks.map(table).join("\r\n");
  }

  const api = { cell, table, figureCsv, plainText };
  root.llmxCsv = api;
  if (typeof module !== "undefined" && module.exports) module.exports = api;
})(typeof window !== "undefined" ? window : globalThis);
