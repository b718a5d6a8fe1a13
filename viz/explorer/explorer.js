// Chapter 5's attention explorer: layer, head, token, view, causal what-if and softmax
// temperature move here, in the learner's browser, over numbers the server computed once
// for every head (viz/attention_explorer.py sends them). No server round trip per move.
//
// What the browser computes itself is only the page's teaching what-ifs: the softmax at
// another temperature, and on an encoder the softmax and output under a causal mask.
// Everything else (inputs, Q, K, V, scores, the model's own weights and head outputs)
// is drawn as it came. Learner text is only ever set with textContent or drawn on a
// canvas, never parsed as HTML.
(function () {
  "use strict";

  const P = JSON.parse(document.getElementById("payload").textContent);
  const L = P.labels;
  const nL = P.n_layers, nH = P.n_heads, T = P.tokens.length;
  const ROOT = document.getElementById("explorer");
  const FONT = P.projector ? 18 : 14;
  const SMALL = P.projector ? 16 : 12;
  const FAMILY = getComputedStyle(document.body).fontFamily;

  // ------------------------------------------------------------------ numbers

  // float16 -> float32 by table (every browser, no Float16Array needed)
  const HALF = (function () {
    const table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) {
      const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, f = h & 0x3ff;
      if (e === 0) table[h] = s * Math.pow(2, -14) * (f / 1024);
      else if (e === 31) table[h] = f ? NaN : s * Infinity;
      else table[h] = s * Math.pow(2, e - 15) * (1 + f / 1024);
    }
    return table;
  })();

  function decode(entry) {
    const bytes = atob(entry.data);
    const n = bytes.length >> 1;
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = HALF[bytes.charCodeAt(2 * i) | (bytes.charCodeAt(2 * i + 1) << 8)];
    return { shape: entry.shape, data: out };
  }

  const A = {};
  for (const name of Object.keys(P.arrays)) A[name] = decode(P.arrays[name]);

  // A (rows x cols) view into a stacked array at the leading indices.
  function mat(name, ...index) {
    const a = A[name], shape = a.shape;
    const rows = shape[index.length], cols = shape[index.length + 1];
    let offset = 0;
    for (let i = 0; i < index.length; i++) offset = offset * shape[i] + index[i];
    offset *= rows * cols;
    return { rows, cols, at: (r, c) => a.data[offset + r * cols + c] };
  }

  function kvHead(head) {
    return P.n_kv_heads ? Math.floor(head / (nH / P.n_kv_heads)) : head;
  }

  function maskedScores(layer, head, causal) {
    const s = mat("scores", layer, head), scale = 1 / Math.sqrt(P.head_dim);
    return {
      rows: T, cols: T,
      at: (r, c) => (causal && c > r ? -Infinity : s.at(r, c) * scale),
    };
  }

  function softmaxRows(m, temperature) {
    const out = new Float32Array(m.rows * m.cols);
    for (let r = 0; r < m.rows; r++) {
      let best = -Infinity;
      for (let c = 0; c < m.cols; c++) best = Math.max(best, m.at(r, c) / temperature);
      let sum = 0;
      for (let c = 0; c < m.cols; c++) {
        const x = m.at(r, c);
        const e = x === -Infinity ? 0 : Math.exp(x / temperature - best);
        out[r * m.cols + c] = e;
        sum += e;
      }
      for (let c = 0; c < m.cols; c++) out[r * m.cols + c] /= sum;
    }
    return { rows: m.rows, cols: m.cols, at: (r, c) => out[r * m.cols + c] };
  }

  // The weights the view shows: the model's own, or the page's what-if recomputation.
  function weightsOf(layer, head, temperature) {
    const whatIf = state.causal && !P.causal;
    if (!whatIf && temperature === 1) return mat("weights", layer, head);
    return softmaxRows(maskedScores(layer, head, state.causal || P.causal), temperature);
  }

  function headOutput(layer, head) {
    if (!(state.causal && !P.causal)) return mat("head_out", layer, head);
    const w = weightsOf(layer, head, 1), v = mat("v", layer, kvHead(head));
    const out = new Float32Array(T * v.cols);
    for (let r = 0; r < T; r++)
      for (let c = 0; c < T; c++) {
        const weight = w.at(r, c);
        if (weight) for (let d = 0; d < v.cols; d++) out[r * v.cols + d] += weight * v.at(c, d);
      }
    return { rows: T, cols: v.cols, at: (r, d) => out[r * v.cols + d] };
  }

  function robustLimit(m) {
    const values = [];
    for (let r = 0; r < m.rows; r++)
      for (let c = 0; c < m.cols; c++) {
        const x = Math.abs(m.at(r, c));
        if (isFinite(x)) values.push(x);
      }
    if (!values.length) return 1;
    values.sort((a, b) => a - b);
    const limit = values[Math.min(values.length - 1, Math.floor(0.99 * (values.length - 1)))];
    return limit || values[values.length - 1] || 1;
  }

  // ------------------------------------------------------------------ colours

  function parseScale(scale) {
    return scale.map(([stop, colour]) => [stop, colour.match(/[\d.]+/g).slice(0, 3).map(Number)]);
  }
  const WEIGHT_SCALE = parseScale(P.scales.weight);
  const VALUE_SCALE = parseScale(P.scales.value);

  function colourAt(scale, t) {
    t = Math.min(1, Math.max(0, t));
    for (let i = 1; i < scale.length; i++) {
      if (t <= scale[i][0]) {
        const [a, ca] = scale[i - 1], [b, cb] = scale[i];
        const f = b > a ? (t - a) / (b - a) : 0;
        return ca.map((x, k) => Math.round(x + f * (cb[k] - x)));
      }
    }
    return scale[scale.length - 1][1];
  }

  function rgb(c) {
    return `rgb(${c[0]},${c[1]},${c[2]})`;
  }

  // ------------------------------------------------------------------ text

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (whole, key) => (key in values ? String(values[key]) : whole));
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function fmt(x) {
    if (x === -Infinity) return "−∞";
    if (!isFinite(x)) return "—";
    const a = Math.abs(x);
    return a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : x.toFixed(2);
  }

  const measure = document.createElement("canvas").getContext("2d");
  function textWidth(text, size) {
    measure.font = `${size}px ${FAMILY}`;
    return measure.measureText(text).width;
  }

  const LABELS = P.token_labels;
  const labelWidth = Math.max(...LABELS.map((s) => textWidth(s, SMALL))) + 10;

  // ------------------------------------------------------------------ heatmap

  const tip = el("div", "tip");
  document.body.appendChild(tip);

  function showTip(event, text) {
    tip.textContent = text;
    tip.style.display = "block";
    tip.style.left = Math.min(event.clientX + 14, window.innerWidth - tip.offsetWidth - 4) + "px";
    tip.style.top = event.clientY + 14 + window.scrollY + "px";
  }

  // A canvas drawn at the screen's pixel density (sharp on a projector and a retina laptop).
  function sharpCanvas(width, height, className) {
    const canvas = el("canvas", className);
    const ratio = window.devicePixelRatio || 1;
    canvas.width = width * ratio;
    canvas.height = height * ratio;
    canvas.style.width = width + "px";
    canvas.style.height = height + "px";
    const g = canvas.getContext("2d");
    g.scale(ratio, ratio);
    g.font = `${SMALL}px ${FAMILY}`;
    g.textBaseline = "middle";
    return { canvas, g };
  }

  // One panel: a title, a canvas with token rows (and token columns for T x T), a colour key.
  // spec: {title, m, kind: "weight"|"value", square, limit, numbers, xTitle, yTitle,
  //        hover(r, c, value) -> text, highlightRow, onClick(r, c), width}
  function heatmap(spec) {
    const box = el("figure", "panel");
    box.appendChild(el("figcaption", "panel-title", spec.title));
    const m = spec.m;
    const square = !!spec.square;
    const limit = spec.kind === "weight" ? 1 : spec.limit || robustLimit(m);
    const left = square || spec.rowLabels !== false ? labelWidth : 4;
    const top = 4;
    const colLabelRoom = square ? Math.min(140, labelWidth + 6) : 0;
    const maxWidth = Math.max(120, (spec.width || ROOT.clientWidth) - left - 16);
    let cellW, cellH;
    if (square) {
      cellW = cellH = Math.max(P.projector ? 20 : 14, Math.min(46, Math.floor(maxWidth / m.cols)));
    } else {
      cellH = Math.max(P.projector ? 22 : 16, Math.min(26, Math.floor(380 / m.rows)));
      cellW = Math.max(1, Math.min(24, maxWidth / m.cols));
    }
    const width = Math.ceil(left + cellW * m.cols + 4);
    const height = Math.ceil(top + cellH * m.rows + colLabelRoom + 4);
    const { canvas, g } = sharpCanvas(width, height);
    for (let r = 0; r < m.rows; r++) {
      for (let c = 0; c < m.cols; c++) {
        const x = m.at(r, c);
        let colour;
        if (!isFinite(x)) colour = [200, 200, 200];
        else if (spec.kind === "weight") colour = colourAt(WEIGHT_SCALE, x);
        else colour = colourAt(VALUE_SCALE, 0.5 + x / (2 * limit));
        g.fillStyle = rgb(colour);
        const gap = square ? 1 : 0;
        g.fillRect(left + c * cellW, top + r * cellH, Math.max(1, cellW - gap), cellH - gap);
        if (spec.numbers && cellW >= (P.projector ? 40 : 30)) {
          const dark = spec.kind === "weight" ? x > 0.55 : Math.abs(x) > 0.6 * limit;
          g.fillStyle = isFinite(x) ? (dark ? "#fff" : "#222") : "#666";
          g.textAlign = "center";
          g.fillText(isFinite(x) ? (spec.kind === "weight" ? x.toFixed(2) : fmt(x)) : "−∞",
                     left + (c + 0.5) * cellW, top + (r + 0.5) * cellH);
        }
      }
    }
    if (spec.highlightRow !== undefined && spec.highlightRow !== null) {
      g.strokeStyle = "#D55E00";
      g.lineWidth = 2;
      g.strokeRect(left + 1, top + spec.highlightRow * cellH + 1, cellW * m.cols - 2, cellH - 2);
    }
    g.textAlign = "right";
    if (left > 4) {
      for (let r = 0; r < m.rows; r++) {
        g.fillStyle = spec.highlightRow === r ? "#D55E00" : "#222";
        g.fillText(LABELS[r], left - 6, top + (r + 0.5) * cellH);
      }
    }
    if (square) {
      for (let c = 0; c < m.cols; c++) {
        g.save();
        g.translate(left + (c + 0.5) * cellW, top + m.rows * cellH + 6);
        g.rotate(-Math.PI / 3);
        g.fillStyle = "#222";
        g.textAlign = "right";
        g.fillText(LABELS[c], 0, 0);
        g.restore();
      }
    }
    canvas.addEventListener("mousemove", (event) => {
      const rect = canvas.getBoundingClientRect();
      const c = Math.floor((event.clientX - rect.left - left) / cellW);
      const r = Math.floor((event.clientY - rect.top - top) / cellH);
      if (r < 0 || c < 0 || r >= m.rows || c >= m.cols) {
        tip.style.display = "none";
        return;
      }
      showTip(event, spec.hover(r, c, m.at(r, c)));
    });
    canvas.addEventListener("mouseleave", () => (tip.style.display = "none"));
    if (spec.onClick) {
      canvas.style.cursor = "pointer";
      canvas.addEventListener("click", (event) => {
        const rect = canvas.getBoundingClientRect();
        const c = Math.floor((event.clientX - rect.left - left) / cellW);
        const r = Math.floor((event.clientY - rect.top - top) / cellH);
        if (r >= 0 && c >= 0 && r < m.rows && c < m.cols) spec.onClick(r, c);
      });
    }
    box.appendChild(canvas);
    box.appendChild(colourKey(spec.kind, limit));
    box.dataset.checksum = checksum(m);
    return box;
  }

  function colourKey(kind, limit) {
    const key = el("div", "key");
    const bar = el("span", "key-bar");
    bar.dataset.kind = kind;
    const scale = kind === "weight" ? WEIGHT_SCALE : VALUE_SCALE;
    bar.style.background = `linear-gradient(to right, ${scale.map(([s, c]) => `${rgb(c)} ${s * 100}%`).join(", ")})`;
    key.appendChild(el("span", "", kind === "weight" ? "0" : fmt(-limit)));
    key.appendChild(bar);
    key.appendChild(el("span", "", kind === "weight" ? "1" : fmt(limit)));
    return key;
  }

  // A short fingerprint of what a panel draws (tests compare a shared link's view with these).
  function checksum(m) {
    let sum = 0;
    for (let r = 0; r < m.rows; r++)
      for (let c = 0; c < m.cols; c++) {
        const x = m.at(r, c);
        if (isFinite(x)) sum += x * (1 + ((r * 31 + c * 17) % 7));
      }
    return sum.toFixed(3);
  }

  function row(...children) {
    const node = el("div", "row");
    children.forEach((child) => node.appendChild(child));
    return node;
  }

  // ------------------------------------------------------------------ state

  const VIEWS = ["steps", "token", "heads"];
  const TEMPERATURES = P.temperatures;
  const STORE = "__llmExplainerCh5";
  const stored = (function () {
    try {
      const all = window.parent[STORE] || {};
      const entry = all[P.id];
      return entry && JSON.stringify(entry.init) === JSON.stringify(P.init) ? entry.state : null;
    } catch (error) {
      return null;
    }
  })();
  const state = Object.assign({}, P.init, stored || {});
  if (P.causal) state.causal = true;

  function remember() {
    try {
      const all = (window.parent[STORE] = window.parent[STORE] || {});
      all[P.id] = { init: P.init, state: Object.assign({}, state) };
    } catch (error) { /* a browser that refuses: the view still works, it is just not restored */ }
  }

  // The view goes into the page's own address, so the link a teacher copies opens it.
  function writeUrl() {
    try {
      const location = window.parent.location;
      const params = new URLSearchParams(location.search);
      params.set("layer", String(state.layer + 1));
      params.set("head", String(state.head + 1));
      params.set("token", String(state.token));
      params.set("view", state.view);
      if (!P.causal) params.set("causal", state.causal ? "1" : "0");
      if (state.temperature === 1) params.delete("temp");
      else params.set("temp", String(state.temperature));
      if (state.view === "heads") params.set("metric", state.metric);
      const query = "?" + params.toString();
      if (query !== location.search) window.parent.history.replaceState(window.parent.history.state, "", query);
    } catch (error) { /* sandboxed elsewhere: nothing to write */ }
  }

  // ------------------------------------------------------------------ controls

  const controls = el("div", "controls");
  ROOT.appendChild(controls);

  function slider(label, count, key) {
    const wrap = el("label", "control");
    const name = el("span", "control-name", label);
    const value = el("output", "control-value");
    const input = el("input");
    input.type = "range";
    input.min = "1";
    input.max = String(count);
    input.step = "1";
    input.dataset.key = key;
    input.disabled = count === 1;
    wrap.append(name, value, input);
    input.addEventListener("input", () => set({ [key]: Number(input.value) - 1 }));
    return { wrap, input, value, count };
  }

  const layerControl = slider(L.layer, nL, "layer");
  const headControl = slider(L.head, nH, "head");
  controls.append(layerControl.wrap, headControl.wrap);

  const tokenWrap = el("label", "control");
  const tokenSelect = el("select");
  tokenSelect.dataset.key = "token";
  P.tokens.forEach((_, i) => {
    const option = el("option", "", `${i}: ${LABELS[i]}`);
    option.value = String(i);
    tokenSelect.appendChild(option);
  });
  tokenSelect.addEventListener("change", () => set({ token: Number(tokenSelect.value) }));
  tokenWrap.append(el("span", "control-name", L.focus), tokenSelect);
  controls.appendChild(tokenWrap);

  const causalWrap = el("label", "control check");
  const causalBox = el("input");
  causalBox.type = "checkbox";
  causalBox.dataset.key = "causal";
  causalBox.disabled = P.causal;
  causalWrap.title = P.causal ? L.causal_gpt_help : L.causal_whatif_help;
  causalWrap.append(causalBox, el("span", "", P.causal ? L.causal : L.causal_whatif));
  causalBox.addEventListener("change", () => set({ causal: causalBox.checked }));
  controls.appendChild(causalWrap);

  const viewGroup = el("div", "control views");
  viewGroup.setAttribute("role", "radiogroup");
  viewGroup.appendChild(el("span", "control-name", L.views_label));
  const viewButtons = {};
  VIEWS.forEach((view) => {
    const button = el("button", "view", L.views[view]);
    button.type = "button";
    button.dataset.view = view;
    button.setAttribute("role", "radio");
    button.addEventListener("click", () => set({ view }));
    viewButtons[view] = button;
    viewGroup.appendChild(button);
  });
  controls.appendChild(viewGroup);

  controls.appendChild(exportControl());

  const banner = el("div", "banner", L.whatif_banner);
  ROOT.appendChild(banner);
  const stage = el("div", "stage");
  ROOT.appendChild(stage);
  const status = el("div", "status");
  status.hidden = true;
  ROOT.appendChild(status);

  function temperatureControl() {
    const wrap = el("label", "control temperature");
    const input = el("input");
    input.type = "range";
    input.min = "0";
    input.max = String(TEMPERATURES.length - 1);
    input.step = "1";
    input.dataset.key = "temperature";
    input.value = String(Math.max(0, TEMPERATURES.indexOf(state.temperature)));
    const value = el("output", "control-value", String(state.temperature));
    input.addEventListener("input", () => set({ temperature: TEMPERATURES[Number(input.value)] }));
    wrap.append(el("span", "control-name", L.temperature), value, input);
    return wrap;
  }

  function set(change) {
    Object.assign(state, change);
    render();
  }

  // ------------------------------------------------------------------ keep your own picture

  // "Download: PNG · CSV": the view as drawn, and the attention weights shown with their tokens.
  // Both are made here, in the browser, and saved from this frame: nothing goes to the server.
  function exportControl() {
    const words = Object.assign({ download: "Download", explorer_png: "This view as PNG",
                                  explorer_csv: "These attention weights as CSV" }, L.export || {});
    const group = el("div", "control views export");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", words.download);
    group.appendChild(el("span", "control-name", words.download));
    [["png", words.explorer_png, savePicture], ["csv", words.explorer_csv, saveNumbers]].forEach(([format, title, save]) => {
      const button = el("button", "view", format.toUpperCase());
      button.type = "button";
      button.title = title;
      button.dataset.export = format;
      button.addEventListener("click", save);
      group.appendChild(button);
    });
    return group;
  }

  function fileName(extension) {
    const view = extension === "png" ? `-${state.view}` : "";
    return `ch5-attention${view}-layer-${state.layer + 1}-head-${state.head + 1}.${extension}`;
  }

  function saveBlob(blob, name) {
    const link = el("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  }

  // The weights of the head shown (at the temperature and under the mask shown): one row per
  // token that looks, one column per token looked at, the head named in the corner.
  function saveNumbers() {
    const w = weightsOf(state.layer, state.head, state.temperature);
    const corner = where() + (state.temperature === 1 ? "" : ` · T = ${state.temperature}`);
    const rows = [[corner, ...P.tokens]];
    for (let r = 0; r < T; r++) {
      const values = [];
      for (let c = 0; c < T; c++) values.push(Number(w.at(r, c).toFixed(6)));
      rows.push([P.tokens[r], ...values]);
    }
    saveBlob(new Blob(["\ufeff" + window.llmxCsv.table(rows)], { type: "text/csv;charset=utf-8" }), fileName("csv"));
  }

  // Lines of ``text`` that fit ``width`` (the browser wrapped them on screen the same way).
  function wrapped(g, text, width) {
    const lines = [];
    let line = "";
    for (const word of text.split(/(\s+)/)) {
      if (line && g.measureText(line + word).width > width) {
        lines.push(line.trimEnd());
        line = word.trimStart();
      } else line += word;
    }
    if (line) lines.push(line);
    return lines;
  }

  // The view as one picture at twice its size on screen: every panel's canvas where it sits,
  // with its title, the step headers and the colour keys (the controls and notes left out).
  function picture() {
    const scale = 2;
    const box = stage.getBoundingClientRect();
    const width = Math.ceil(box.width), height = Math.ceil(box.height);
    const canvas = el("canvas");
    canvas.width = width * scale;
    canvas.height = height * scale;
    const g = canvas.getContext("2d");
    g.scale(scale, scale);
    g.fillStyle = "#fff";
    g.fillRect(0, 0, width, height);
    const selector = "canvas, figcaption, h3, p.panel-group, p.info, .key span";
    for (const node of stage.querySelectorAll(selector)) {
      const rect = node.getBoundingClientRect();
      const x = rect.left - box.left, y = rect.top - box.top;
      if (!rect.width || !rect.height) continue;
      if (node.tagName === "CANVAS") {
        g.drawImage(node, x, y, rect.width, rect.height);
      } else if (node.classList.contains("key-bar")) {
        const gradient = g.createLinearGradient(x, 0, x + rect.width, 0);
        (node.dataset.kind === "weight" ? WEIGHT_SCALE : VALUE_SCALE).forEach(([stop, c]) => gradient.addColorStop(stop, rgb(c)));
        g.fillStyle = gradient;
        g.fillRect(x, y, rect.width, rect.height);
      } else {
        const look = getComputedStyle(node);
        g.font = `${look.fontWeight} ${look.fontSize} ${look.fontFamily}`;
        g.fillStyle = look.color;
        g.textBaseline = "top";
        g.textAlign = "left";
        const lineHeight = parseFloat(look.lineHeight) || 1.25 * parseFloat(look.fontSize);
        wrapped(g, node.textContent, rect.width + 1).forEach((line, i) => g.fillText(line, x, y + i * lineHeight));
      }
    }
    return canvas;
  }

  function savePicture() {
    const canvas = picture();
    status.dataset.pictureWidth = String(canvas.width);
    status.dataset.pictureHeight = String(canvas.height);
    canvas.toBlob((blob) => saveBlob(blob, fileName("png")), "image/png");
  }

  // ------------------------------------------------------------------ views

  function where() {
    return fill(L.where, { layer: state.layer + 1, head: state.head + 1 });
  }

  function pairHover(r, c, x) {
    return `${LABELS[r]} → ${LABELS[c]}: ${fmt(x)}`;
  }

  function dimHover(r, c, x) {
    return `${LABELS[r]} · ${L.dimension} ${c}: ${fmt(x)}`;
  }

  function weightsPanel(layer, head) {
    const temperature = state.temperature;
    const w = weightsOf(layer, head, temperature);
    const section = el("div", "block");
    section.appendChild(heatmap({
      title: fill(L.weights_title, { where: where(), shape: `(${T} × ${T})` }) +
        (temperature === 1 ? "" : ` · T = ${temperature}`),
      m: w, kind: "weight", square: true, numbers: T <= 16, hover: pairHover,
      highlightRow: state.view === "token" ? state.token : null,
    }));
    section.appendChild(temperatureControl());
    section.appendChild(el("p", "note", L.temperature_note));
    return section;
  }

  function drawSteps() {
    const layer = state.layer, head = state.head, kv = kvHead(head);
    const d = P.head_dim;
    const half = Math.floor((ROOT.clientWidth - 24) / 3);
    stage.appendChild(el("h3", "", L.s1));
    const inputs = mat("inputs", layer);
    stage.appendChild(heatmap({
      title: fill(L.input_title, { layer: layer + 1, shape: `(${T} × ${inputs.cols})` }),
      m: inputs, kind: "value", hover: dimHover,
    }));
    stage.appendChild(el("h3", "", L.s2));
    stage.appendChild(el("p", "panel-group", fill(L.qkv_title, { where: where() })));
    stage.appendChild(row(
      heatmap({ title: `Q (${T} × ${d})`, m: mat("q", layer, head), kind: "value", hover: dimHover, width: half }),
      heatmap({ title: `K (${T} × ${d})`, m: mat("k", layer, kv), kind: "value", hover: dimHover, width: half,
                rowLabels: false }),
      heatmap({ title: `V (${T} × ${d})`, m: mat("v", layer, kv), kind: "value", hover: dimHover, width: half,
                rowLabels: false }),
    ));
    if (P.rope) {
      const sharing = [];
      for (let h = 0; h < nH; h++) if (kvHead(h) === kv) sharing.push(h + 1);
      stage.appendChild(el("p", "info", fill(L.rope_groups, {
        head: head + 1, kv: kv + 1, heads: sharing.join(", "), n_heads: nH, n_kv: P.n_kv_heads,
        ratio: nH / P.n_kv_heads,
      })));
      stage.appendChild(el("h3", "", L.rope_header));
      stage.appendChild(el("p", "panel-group", fill(L.rope_title, { where: where(), kv: kv + 1, shape: `${T} × ${d}` })));
      const quarter = Math.floor((ROOT.clientWidth - 24) / 2);
      stage.appendChild(row(
        heatmap({ title: L.q_before, m: mat("q_pre_rope", layer, head), kind: "value", hover: dimHover, width: quarter }),
        heatmap({ title: L.q_after, m: mat("q", layer, head), kind: "value", hover: dimHover, width: quarter,
                  rowLabels: false }),
      ));
      stage.appendChild(row(
        heatmap({ title: L.k_before, m: mat("k_pre_rope", layer, kv), kind: "value", hover: dimHover, width: quarter }),
        heatmap({ title: L.k_after, m: mat("k", layer, kv), kind: "value", hover: dimHover, width: quarter,
                  rowLabels: false }),
      ));
      stage.appendChild(el("p", "note", L.rope_caption));
    }
    stage.appendChild(el("h3", "", L.s3));
    stage.appendChild(el("p", "panel-group", fill(L.scores_figure, { where: where() })));
    const causal = state.causal || P.causal;
    const raw = mat("scores", layer, head);
    const scale = 1 / Math.sqrt(d);
    const scaled = { rows: T, cols: T, at: (r, c) => raw.at(r, c) * scale };
    const masked = maskedScores(layer, head, causal);
    const third = Math.floor((ROOT.clientWidth - 24) / 3);
    stage.appendChild(row(
      heatmap({ title: fill(L.scores_title, { shape: `(${T} × ${T})` }), m: raw, kind: "value", square: true,
                numbers: T <= 8, hover: pairHover, width: third }),
      heatmap({ title: fill(L.scaled_title, { d, root: Math.sqrt(d).toFixed(2) }), m: scaled, kind: "value",
                square: true, numbers: T <= 8, hover: pairHover, width: third }),
      heatmap({ title: causal ? L.masked_title : L.unmasked_title, m: masked, kind: "value", square: true,
                numbers: T <= 8, hover: pairHover, width: third }),
    ));
    stage.appendChild(el("h3", "", L.s4));
    stage.appendChild(weightsPanel(layer, head));
    stage.appendChild(el("h3", "", L.s5));
    const out = headOutput(layer, head);
    stage.appendChild(heatmap({
      title: fill(L.head_out_title, { where: where(), shape: `(${T} × ${d})` }), m: out, kind: "value",
      hover: dimHover,
    }));
  }

  function drawLines() {
    const w = weightsOf(state.layer, state.head, state.temperature);
    const focus = state.token;
    const rowH = P.projector ? 34 : 28;
    const size = P.projector ? 20 : 16;
    const leftW = Math.max(...LABELS.map((s) => textWidth(s, size))) + 16;
    const gapW = Math.max(160, Math.min(360, ROOT.clientWidth - 2 * leftW - 120));
    const width = Math.ceil(leftW + gapW + leftW + 80);
    const height = T * rowH + 10;
    const { canvas, g } = sharpCanvas(width, height, "lines");
    g.font = `${size}px ${FAMILY}`;
    const y = (i) => 5 + (i + 0.5) * rowH;
    const order = [...Array(T).keys()].sort((a, b) => w.at(focus, a) - w.at(focus, b));
    for (const target of order) {
      const weight = w.at(focus, target);
      if (!(weight >= 0.01)) continue;
      g.strokeStyle = `rgba(0,114,178,${(0.15 + 0.85 * weight).toFixed(3)})`;
      g.lineWidth = 1 + 18 * weight;
      g.beginPath();
      g.moveTo(leftW, y(focus));
      g.lineTo(leftW + gapW, y(target));
      g.stroke();
    }
    const causal = state.causal || P.causal;
    for (let i = 0; i < T; i++) {
      g.textAlign = "right";
      g.fillStyle = i === focus ? "#D55E00" : "#222";
      g.fillText(LABELS[i], leftW - 8, y(i));
      g.textAlign = "left";
      g.fillStyle = causal && i > focus ? "#aaa" : "#222";
      g.fillText(`${LABELS[i]}  ${w.at(focus, i).toFixed(2)}`, leftW + gapW + 8, y(i));
    }
    const box = el("figure", "panel");
    box.appendChild(el("figcaption", "panel-title", fill(L.lines_title, { token: LABELS[focus], where: where() })));
    box.appendChild(canvas);
    const values = [];
    for (let i = 0; i < T; i++) values.push(w.at(focus, i));
    box.dataset.checksum = values.reduce((s, x, i) => s + x * (i + 1), 0).toFixed(3);
    return box;
  }

  function drawToken() {
    stage.appendChild(el("h3", "", L.s4));
    stage.appendChild(weightsPanel(state.layer, state.head));
    stage.appendChild(el("h3", "", L.lines_header));
    stage.appendChild(drawLines());
  }

  function drawHeads() {
    const layer = state.layer;
    stage.appendChild(el("h3", "", fill(L.heads_header, { layer: layer + 1 })));
    stage.appendChild(el("p", "panel-group", fill(L.heads_title, { layer: layer + 1 })));
    const grid = el("div", "grid");
    const perRow = Math.max(1, Math.min(nH, Math.floor((ROOT.clientWidth - 8) / 190)));
    const cellWidth = Math.floor((ROOT.clientWidth - 8) / perRow) - 12;
    for (let h = 0; h < nH; h++) {
      const box = el("figure", "mini" + (h === state.head ? " selected" : ""));
      box.dataset.head = String(h);
      box.appendChild(el("figcaption", "", `${L.head} ${h + 1}`));
      const m = weightsOf(layer, h, state.temperature);
      const size = Math.max(2, Math.floor(Math.min(cellWidth, 180) / T));
      const { canvas, g } = sharpCanvas(size * T, size * T);
      for (let r = 0; r < T; r++)
        for (let c = 0; c < T; c++) {
          const x = m.at(r, c);
          g.fillStyle = rgb(isFinite(x) ? colourAt(WEIGHT_SCALE, x) : [200, 200, 200]);
          g.fillRect(c * size, r * size, size, size);
        }
      canvas.addEventListener("mousemove", (event) => {
        const rect = canvas.getBoundingClientRect();
        const c = Math.floor((event.clientX - rect.left) / size), r = Math.floor((event.clientY - rect.top) / size);
        if (r < 0 || c < 0 || r >= T || c >= T) return;
        showTip(event, `${L.head} ${h + 1}: ${pairHover(r, c, m.at(r, c))}`);
      });
      canvas.addEventListener("mouseleave", () => (tip.style.display = "none"));
      box.addEventListener("click", () => set({ head: h }));
      box.appendChild(canvas);
      grid.appendChild(box);
    }
    stage.appendChild(grid);
    stage.appendChild(el("p", "note", L.heads_click));

    stage.appendChild(el("h3", "", L.overview_header));
    const metricGroup = el("div", "control views");
    metricGroup.appendChild(el("span", "control-name", L.metric));
    ["focus", "sharpness"].forEach((metric) => {
      const button = el("button", "view" + (state.metric === metric ? " on" : ""),
                        fill(L.metrics[metric], { token: LABELS[state.token] }));
      button.type = "button";
      button.dataset.metric = metric;
      button.addEventListener("click", () => set({ metric }));
      metricGroup.appendChild(button);
    });
    stage.appendChild(metricGroup);
    const scores = overviewScores();
    const limitW = Math.min(ROOT.clientWidth - 40, 60 * nH + 120);
    stage.appendChild(overview(scores, limitW));
    stage.appendChild(el("p", "note", L.overview_caption));
  }

  function overviewScores() {
    if (state.metric === "sharpness") return mat("sharpness");
    const focus = state.token;
    const others = [];
    for (let i = 0; i < T; i++) if (i !== focus && !P.special.includes(i)) others.push(i);
    const values = new Float32Array(nL * nH);
    for (let l = 0; l < nL; l++)
      for (let h = 0; h < nH; h++) {
        const w = mat("weights", l, h);
        let sum = 0;
        for (const i of others) sum += w.at(focus, i);
        values[l * nH + h] = sum;
      }
    return { rows: nL, cols: nH, at: (l, h) => values[l * nH + h] };
  }

  // Layers as rows, heads as columns, numbered from 1; the open head is outlined.
  function overview(scores, width) {
    const box = el("figure", "panel");
    box.appendChild(el("figcaption", "panel-title", L.overview_title));
    const left = textWidth(`${L.layer} ${nL}`, SMALL) + 12, top = textWidth(`${nH}`, SMALL) + 22;
    const cell = Math.max(P.projector ? 26 : 18, Math.min(48, Math.floor((width - left) / nH)));
    const cellH = Math.max(P.projector ? 22 : 14, Math.min(40, Math.floor(560 / nL)));
    const w = left + cell * nH + 4, h = top + cellH * nL + 4;
    const { canvas, g } = sharpCanvas(w, h, "overview");
    g.textAlign = "center";
    g.fillStyle = "#222";
    g.fillText(L.head, left + (cell * nH) / 2, 8);
    for (let c = 0; c < nH; c++) g.fillText(String(c + 1), left + (c + 0.5) * cell, top - 8);
    g.textAlign = "right";
    for (let r = 0; r < nL; r++) {
      g.fillStyle = "#222";
      g.fillText(`${L.layer} ${r + 1}`, left - 6, top + (r + 0.5) * cellH);
      for (let c = 0; c < nH; c++) {
        g.fillStyle = rgb(colourAt(WEIGHT_SCALE, scores.at(r, c)));
        g.fillRect(left + c * cell, top + r * cellH, cell - 1, cellH - 1);
      }
    }
    g.strokeStyle = "#D55E00";
    g.lineWidth = 3;
    g.strokeRect(left + state.head * cell + 1, top + state.layer * cellH + 1, cell - 3, cellH - 3);
    canvas.style.cursor = "pointer";
    Object.assign(canvas.dataset, { left, top, cell, cellH });  // where the squares are (tests click them)
    const at = (event) => {
      const rect = canvas.getBoundingClientRect();
      return [Math.floor((event.clientY - rect.top - top) / cellH), Math.floor((event.clientX - rect.left - left) / cell)];
    };
    canvas.addEventListener("click", (event) => {
      const [r, c] = at(event);
      if (r >= 0 && c >= 0 && r < nL && c < nH) set({ layer: r, head: c });
    });
    canvas.addEventListener("mousemove", (event) => {
      const [r, c] = at(event);
      if (r < 0 || c < 0 || r >= nL || c >= nH) {
        tip.style.display = "none";
        return;
      }
      showTip(event, `${L.layer} ${r + 1}, ${L.head} ${c + 1}: ${scores.at(r, c).toFixed(2)} (${L.metric_short[state.metric]})`);
    });
    canvas.addEventListener("mouseleave", () => (tip.style.display = "none"));
    box.appendChild(canvas);
    box.appendChild(colourKey("weight", 1));
    box.dataset.checksum = checksum(scores);
    return box;
  }

  // ------------------------------------------------------------------ render

  function render() {
    state.layer = Math.min(nL - 1, Math.max(0, state.layer | 0));
    state.head = Math.min(nH - 1, Math.max(0, state.head | 0));
    state.token = Math.min(T - 1, Math.max(0, state.token | 0));
    if (!VIEWS.includes(state.view)) state.view = "steps";
    if (!TEMPERATURES.includes(state.temperature)) state.temperature = 1;
    if (state.metric !== "sharpness") state.metric = "focus";
    layerControl.input.value = String(state.layer + 1);
    layerControl.value.textContent = `${state.layer + 1} / ${nL}`;
    headControl.input.value = String(state.head + 1);
    headControl.value.textContent = `${state.head + 1} / ${nH}`;
    tokenSelect.value = String(state.token);
    causalBox.checked = !!(state.causal || P.causal);
    VIEWS.forEach((view) => {
      viewButtons[view].classList.toggle("on", view === state.view);
      viewButtons[view].setAttribute("aria-checked", String(view === state.view));
    });
    banner.hidden = !(state.causal && !P.causal);
    const scrollY = window.scrollY;
    stage.textContent = "";
    tip.style.display = "none";
    if (state.view === "steps") drawSteps();
    else if (state.view === "token") drawToken();
    else drawHeads();
    window.scrollTo(0, scrollY);
    status.dataset.layer = String(state.layer + 1);
    status.dataset.head = String(state.head + 1);
    status.dataset.token = String(state.token);
    status.dataset.view = state.view;
    status.dataset.causal = state.causal || P.causal ? "1" : "0";
    status.dataset.temperature = String(state.temperature);
    status.dataset.checksums = [...stage.querySelectorAll("[data-checksum]")].map((n) => n.dataset.checksum).join(" ");
    status.dataset.renders = String(Number(status.dataset.renders || 0) + 1);
    remember();
    writeUrl();
    tellThePage();
  }

  // The page's questions follow the head shown here (ui/chapters/ch5/follow.js reads this and
  // asks the server once the learner stops on a head): the opened view says which explorer.
  function tellThePage() {
    try {
      window.parent.__llmxCh5Moved = {
        opened: `${P.init.layer}/${P.init.head}/${P.init.token}`,
        layer: state.layer, head: state.head, token: state.token,
      };
    } catch (error) { /* sandboxed elsewhere: nothing to follow */ }
  }

  // The server may rewrite the address on a later rerun (it knows only the view it opened):
  // put this view back, as long as the page is still this chapter.
  const path = (function () {
    try { return window.parent.location.pathname; } catch (error) { return null; }
  })();
  setInterval(() => {
    try { if (path !== null && window.parent.location.pathname === path) writeUrl(); } catch (error) { /* gone */ }
  }, 1000);

  let lastWidth = 0;
  new ResizeObserver(() => {
    if (Math.abs(ROOT.clientWidth - lastWidth) > 8) {
      lastWidth = ROOT.clientWidth;
      render();
    }
  }).observe(ROOT);
})();
