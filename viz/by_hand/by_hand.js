// Chapter 5 "by hand": every number of a d=4 transformer, editable, recomputed in the browser.
//
// The server sends the words, the shipped weights and the model the link names (edits applied)
// once (viz/by_hand.py); from then on the sentence, every weight, undo/reset, the training
// step's target and learning rate and the step itself answer here, with no server round trip.
// The arithmetic is ByHandMath (by_hand_math.js, tested against PyTorch). The edited model,
// the sentence, the target and the learning rate go into the page's address, so a copied link
// opens this model. Words are set with textContent only, never parsed as HTML.
(function () {
  "use strict";

  const P = JSON.parse(document.getElementById("by-hand-payload").textContent);
  const L = P.labels;
  const M = ByHandMath;
  const ROOT = document.getElementById("by-hand");
  const NAMES = Object.keys(P.shapes);
  const V = P.words.length;

  // ------------------------------------------------------------------ small helpers

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function clone(weights) {
    const out = {};
    for (const name of NAMES) out[name] = JSON.parse(JSON.stringify(weights[name]));
    return out;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (all, key) => (key in values ? String(values[key]) : all));
  }

  function fmt(value, decimals) {
    if (value === -Infinity) return "−∞";
    const text = value.toFixed(decimals === undefined ? 2 : decimals);
    return (/^-0\.?0*$/.test(text) ? text.slice(1) : text).replace("-", "−");
  }

  // A weight as the learner typed it: up to four decimals, no trailing zeros beyond two.
  function weightText(value) {
    let text = M.roundTo(value, M.STEP_DECIMALS).toFixed(M.STEP_DECIMALS);
    text = text.replace(/0{1,2}$/, "").replace(/(\.\d\d)0$/, "$1");
    return text === "-0.00" ? "0.00" : text;
  }

  // The link's text for one number (as lm_core.models.by_hand._number).
  function linkNumber(value) {
    const text = M.roundTo(value, M.STEP_DECIMALS).toFixed(M.STEP_DECIMALS).replace(/0+$/, "").replace(/\.$/, "");
    return text === "-0" || text === "" ? "0" : text;
  }

  function grid(value) {
    return Array.isArray(value[0]) ? value : [value];
  }

  // ------------------------------------------------------------------ state

  const STORE = "__llmExplainerByHand";
  const stored = (function () {
    try {
      const entry = (window.parent[STORE] || {})[P.id];
      return entry && JSON.stringify(entry.init) === JSON.stringify(P.init) ? entry.state : null;
    } catch (error) {
      return null;
    }
  })();
  const state = stored || {
    weights: clone(P.weights),
    ids: P.init.ids.slice(),
    target: P.init.target,
    rate: P.init.rate,
    gradients: false,
    history: [],
    lastStep: null,
  };
  let pinned = null; // the cell whose arithmetic stays in the box after a click

  function remember() {
    try {
      const all = (window.parent[STORE] = window.parent[STORE] || {});
      all[P.id] = { init: P.init, state: state };
    } catch (error) { /* the view still works; it is just not restored after a rerun */ }
  }

  function edits() {
    const parts = [];
    for (const name of NAMES) {
      const now = grid(state.weights[name]), base = grid(P.base[name]);
      now.forEach((row, r) => row.forEach((value, c) => {
        if (value !== base[r][c]) parts.push(`${name}.${r}.${c}:${linkNumber(value)}`);
      }));
    }
    return parts.join(",");
  }

  function writeUrl() {
    try {
      const location = window.parent.location;
      const params = new URLSearchParams(location.search);
      const text = edits();
      if (text) params.set("hand", text); else params.delete("hand");
      const words = state.ids.join(".");
      if (words !== P.default_ids.join(".")) params.set("hand_words", words); else params.delete("hand_words");
      if (state.target !== P.default_target) params.set("hand_target", String(state.target));
      else params.delete("hand_target");
      if (state.rate !== P.default_rate) params.set("hand_lr", String(state.rate)); else params.delete("hand_lr");
      const query = "?" + params.toString();
      if (query !== location.search) window.parent.history.replaceState(window.parent.history.state, "", query);
    } catch (error) { /* sandboxed elsewhere: nothing to write */ }
  }

  function change(mutate) {
    state.history.push({ weights: clone(state.weights), ids: state.ids.slice(), lastStep: state.lastStep });
    if (state.history.length > 50) state.history.shift();
    mutate();
    render();
  }

  // ------------------------------------------------------------------ the arithmetic of a cell

  function sumText(terms) {
    return terms.map(([a, b]) => `${fmt(a)}·${fmt(b)}`).join(" + ");
  }

  function explain(name, r, c) {
    const s = current.steps, W = state.weights, x = s.x, words = state.ids.map((id) => P.words[id]);
    const value = s[name] ? s[name][r][c] : null;
    const head = (v) => `${fmt(v, 3)} = `;
    const column = (matrix, col) => matrix.map((row) => row[col]);
    const pairs = (left, right) => left.map((a, k) => [a, right[k]]);
    switch (name) {
      case "x": return head(value) + `${fmt(W.E[state.ids[r]][c])} + ${fmt(W.P[r][c])}` + `   (E[${words[r]}] + P[${r + 1}])`;
      case "q": return head(value) + sumText(pairs(x[r], column(W.WQ, c)));
      case "k": return head(value) + sumText(pairs(x[r], column(W.WK, c)));
      case "v": return head(value) + sumText(pairs(x[r], column(W.WV, c)));
      case "scores": return head(value) + sumText(pairs(s.q[r], s.k[c])) + `   (q[${words[r]}]·k[${words[c]}])`;
      case "scaled": return head(value) + `${fmt(s.scores[r][c], 3)} / √${W.WQ.length}`;
      case "masked": return c > r ? fill(L.masked_cell, { word: words[c], current: words[r] }) : head(value) + L.unmasked_cell;
      case "attention": {
        const row = s.masked[r], top = Math.max(...row.filter((v) => v !== -Infinity));
        const exps = row.filter((v) => v !== -Infinity).map((v) => `e^${fmt(v - top)}`);
        return head(value) + `e^${fmt(row[c] - top)} / (${exps.join(" + ")})`;
      }
      case "mixed": return head(value) + sumText(pairs(s.attention[r], column(s.v, c)));
      case "attn_out": return head(value) + sumText(pairs(s.mixed[r], column(W.WO, c)));
      case "resid": return head(value) + `${fmt(x[r][c], 3)} + ${fmt(s.attn_out[r][c], 3)}`;
      case "pre": return head(value) + sumText(pairs(s.resid[r], column(W.W1, c))) + ` + ${fmt(W.b1[c])}`;
      case "hidden": return head(value) + `max(0, ${fmt(s.pre[r][c], 3)})`;
      case "ff_out": return head(value) + sumText(pairs(s.hidden[r], column(W.W2, c)));
      case "out": return head(value) + `${fmt(s.resid[r][c], 3)} + ${fmt(s.ff_out[r][c], 3)}`;
      case "logits": return head(value) + sumText(pairs(s.out[r], column(W.Wout, c)));
      case "probs": {
        const row = s.logits[r], top = Math.max(...row);
        return head(value) + `e^${fmt(row[c] - top)} / (${row.map((v) => `e^${fmt(v - top)}`).join(" + ")})`;
      }
      default: return "";
    }
  }

  function gradientText(name, r, c) {
    const g = grid(current.grads[name])[r][c];
    return fill(L.gradient_cell, { name: P.titles[name] || name, value: fmt(g, 4) });
  }

  // ------------------------------------------------------------------ tables

  const ROW_LABELS = {
    E: () => P.words,
    P: () => [...Array(P.shapes.P[0]).keys()].map((i) => String(i + 1)),
    W1: () => ["1", "2", "3", "4"], WQ: () => ["1", "2", "3", "4"], WK: () => ["1", "2", "3", "4"],
    WV: () => ["1", "2", "3", "4"], WO: () => ["1", "2", "3", "4"], Wout: () => ["1", "2", "3", "4"],
    W2: () => [...Array(P.shapes.W2[0]).keys()].map((i) => String(i + 1)),
    b1: () => [""],
  };

  function columnsOf(name, count) {
    if (name === "Wout" || name === "logits" || name === "probs") return P.words;
    if (["scores", "scaled", "masked", "attention"].includes(name)) return state.ids.map((id) => P.words[id]);
    return [...Array(count).keys()].map((i) => String(i + 1));
  }

  function table(name, rows, rowLabels, options) {
    const wrap = el("div", "panel");
    wrap.appendChild(el("div", "panel-title", P.titles[name] || name));
    const t = el("table", "numbers");
    t.dataset.name = name;
    const header = el("tr");
    header.appendChild(el("th", "corner", ""));
    columnsOf(name, rows[0].length).forEach((label) => header.appendChild(el("th", "", label)));
    t.appendChild(header);
    rows.forEach((row, r) => {
      const tr = el("tr");
      tr.appendChild(el("th", "", rowLabels[r]));
      if (options.used && !options.used.includes(r)) tr.className = "unused";
      row.forEach((value, c) => tr.appendChild(options.cell(value, r, c)));
      t.appendChild(tr);
    });
    wrap.appendChild(t);
    return wrap;
  }

  function colour(value, scale) {
    if (value === -Infinity) return "#eeeeee";
    const share = Math.max(-1, Math.min(1, value / scale));
    const alpha = Math.abs(share) * 0.55;
    return share >= 0 ? `rgba(213, 94, 0, ${alpha})` : `rgba(0, 114, 178, ${alpha})`;
  }

  function computedCell(name, scale) {
    return (value, r, c) => {
      const td = el("td", "cell", fmt(value));
      td.dataset.name = name;
      td.dataset.row = String(r);
      td.dataset.col = String(c);
      td.dataset.value = value === -Infinity ? "-inf" : String(value);
      td.style.background = colour(value, scale);
      td.tabIndex = 0;
      const show = () => showTip(td, explain(name, r, c));
      td.addEventListener("mouseenter", show);
      td.addEventListener("focus", show);
      td.addEventListener("click", () => { pinned = [name, r, c]; show(); });
      td.addEventListener("mouseleave", showPinned);
      return td;
    };
  }

  function weightCell(name) {
    const vector = P.shapes[name].length === 1;
    return (value, r, c) => {
      const td = el("td", "cell weight");
      const input = el("input");
      input.type = "text";
      input.inputMode = "decimal";
      input.value = weightText(value);
      input.dataset.name = name;
      input.dataset.row = String(r);
      input.dataset.col = String(c);
      input.dataset.value = String(value);
      input.setAttribute("aria-label", `${P.titles[name] || name} ${r + 1},${c + 1}`);
      if (state.gradients) td.style.background = colour(grid(current.grads[name])[r][c], current.gradScale);
      const base = grid(P.base[name])[r][c];
      if (value !== base) td.classList.add("edited");
      input.addEventListener("focus", () => showTip(input, state.gradients ? gradientText(name, r, c) : L.edit_hint));
      input.addEventListener("blur", showPinned);
      input.addEventListener("change", () => {
        const typed = Number(input.value.replace("−", "-").replace(",", "."));
        if (input.value.trim() === "" || !Number.isFinite(typed) || Math.abs(typed) > P.limit) {
          input.classList.add("bad");
          showTip(input, fill(L.bad_number, { limit: P.limit }));
          return;
        }
        const rounded = M.roundTo(typed, M.STEP_DECIMALS);
        change(() => {
          if (vector) state.weights[name][c] = rounded;
          else state.weights[name][r][c] = rounded;
          state.lastStep = null;
        });
        focusCell(name, r, c);
      });
      td.appendChild(input);
      return td;
    };
  }

  function focusCell(name, r, c) {
    const input = ROOT.querySelector(`input[data-name="${name}"][data-row="${r}"][data-col="${c}"]`);
    if (input) input.focus();
  }

  function weights(name) {
    const value = state.weights[name];
    const labels = ROW_LABELS[name]();
    const used = name === "E" ? state.ids : name === "P" ? state.ids.map((_, i) => i) : null;
    const panel = table(name, grid(value), labels, { cell: weightCell(name), used });
    panel.classList.add("weights");
    if (state.gradients) {
      const g = grid(current.grads[name]);
      const gradPanel = table("grad_" + name, g, labels, { cell: computedCell("grad_" + name, current.gradScale) });
      gradPanel.querySelector(".panel-title").textContent = fill(L.gradient_title, { name: P.titles[name] || name });
      gradPanel.querySelectorAll("td").forEach((td) => {
        td.textContent = fmt(Number(td.dataset.value), 3);
        td.addEventListener("mouseenter", () => showTip(td, gradientText(name, +td.dataset.row, +td.dataset.col)));
      });
      gradPanel.classList.add("gradients");
      const pair = el("div", "pair");
      pair.appendChild(panel);
      pair.appendChild(gradPanel);
      return pair;
    }
    return panel;
  }

  function computed(name, scale) {
    const rows = current.steps[name];
    const labels = state.ids.map((id) => P.words[id]);
    return table(name, rows, labels, { cell: computedCell(name, scale) });
  }

  // ------------------------------------------------------------------ the page

  const controls = el("div", "controls");
  const formula = el("div", "formula", L.formula_hint);
  const stage = el("div", "stage");
  const status = el("div", "status");
  status.id = "status";
  ROOT.appendChild(controls);
  ROOT.appendChild(formula);
  ROOT.appendChild(stage);
  ROOT.appendChild(status);

  // The arithmetic of a cell, in a box just below it (the page scrolls, so a box at the top
  // would be out of sight); a clicked cell keeps its box until another is clicked.
  const tip = el("div", "tip");
  tip.id = "tip";
  tip.hidden = true;
  document.body.appendChild(tip);

  function showTip(node, text) {
    if (!text) { tip.hidden = true; return; }
    tip.textContent = text;
    tip.hidden = false;
    const box = node.getBoundingClientRect();
    const width = document.documentElement.clientWidth;
    tip.style.left = Math.max(4, Math.min(box.left + window.scrollX, width - tip.offsetWidth - 8)) + "px";
    tip.style.top = box.bottom + window.scrollY + 4 + "px";
  }

  function pinnedCell() {
    if (!pinned) return null;
    const [name, r, c] = pinned;
    return stage.querySelector(`td[data-name="${name}"][data-row="${r}"][data-col="${c}"]`);
  }

  function showPinned() {
    const cell = pinnedCell();
    if (cell) showTip(cell, explain(...pinned)); else tip.hidden = true;
  }

  let current = null;

  function compute() {
    const steps = M.forward(state.weights, state.ids);
    const grads = M.backward(state.weights, state.ids, steps, state.target);
    let gradScale = 1e-9;
    for (const name of NAMES) for (const row of grid(grads[name])) for (const g of row) gradScale = Math.max(gradScale, Math.abs(g));
    current = { steps, grads, gradScale, loss: M.loss(steps, state.target) };
  }

  function button(label, onClick, className) {
    const node = el("button", className || "action", label);
    node.type = "button";
    node.addEventListener("click", onClick);
    return node;
  }

  function select(label, options, value, onChange, key) {
    const wrap = el("label", "control");
    wrap.appendChild(el("span", "control-name", label));
    const node = el("select");
    node.dataset.key = key;
    options.forEach(([optionValue, text]) => {
      const option = el("option", "", text);
      option.value = String(optionValue);
      node.appendChild(option);
    });
    node.value = String(value);
    node.addEventListener("change", () => onChange(node.value));
    wrap.appendChild(node);
    return wrap;
  }

  function drawControls() {
    controls.replaceChildren();
    const sentence = el("div", "sentence");
    sentence.appendChild(el("span", "control-name", L.sentence));
    state.ids.forEach((id, i) => {
      const pick = select("", P.words.map((w, k) => [k, w]), id, (value) => change(() => {
        state.ids[i] = Number(value);
        state.lastStep = null;
      }), "word" + i);
      pick.classList.add("word");
      sentence.appendChild(pick);
    });
    if (state.ids.length < P.max_words)
      sentence.appendChild(button("+", () => change(() => { state.ids.push(P.words.length - 1); }), "small add-word"));
    if (state.ids.length > 1)
      sentence.appendChild(button("−", () => change(() => { state.ids.pop(); }), "small drop-word"));
    controls.appendChild(sentence);
    const buttons = el("div", "buttons");
    const undo = button(L.undo, () => {
      const last = state.history.pop();
      if (!last) return;
      state.weights = last.weights;
      state.ids = last.ids;
      state.lastStep = last.lastStep;
      render();
    }, "action undo");
    undo.disabled = state.history.length === 0;
    buttons.appendChild(undo);
    buttons.appendChild(button(L.reset, () => change(() => {
      state.weights = clone(P.base);
      state.ids = P.default_ids.slice();
      state.lastStep = null;
    }), "action reset"));
    if (L.real_model && P.real_model) {
      const same = el("a", "real-model", L.real_model);
      same.target = "_blank";
      same.rel = "noopener";
      same.href = realModelLink();
      buttons.appendChild(same);
    }
    controls.appendChild(buttons);
  }

  function realModelLink() {
    const words = state.ids.map((id) => P.words[id]);
    let text = P.lang === "zh" ? words.join("") : words.join(" ").replace(/ \./g, ".");
    if (P.lang !== "zh") text = text.charAt(0).toUpperCase() + text.slice(1);
    try {
      const params = new URLSearchParams();
      params.set("model", P.real_model);
      params.set("example", P.real_example);
      params.set("text", text);
      params.set("lang", P.lang);
      return window.parent.location.pathname + "?" + params.toString();
    } catch (error) {
      return "?model=" + encodeURIComponent(P.real_model) + "&text=" + encodeURIComponent(text);
    }
  }

  function section(number, key, children, note) {
    const box = el("section", "step");
    box.dataset.step = key;
    box.appendChild(el("h3", "", `${number}. ${L.steps[key]}`));
    if (note) box.appendChild(el("div", "note", note));
    const row = el("div", "row");
    children.forEach((child) => row.appendChild(child));
    box.appendChild(row);
    return box;
  }

  function prediction() {
    const last = current.steps.probs[state.ids.length - 1];
    let best = 0;
    last.forEach((p, k) => { if (p > last[best]) best = k; });
    return best;
  }

  function trainingSection() {
    const box = el("section", "step training");
    box.dataset.step = "train";
    box.appendChild(el("h3", "", L.train_title));
    const row = el("div", "controls inner");
    row.appendChild(select(L.target, P.words.map((w, k) => [k, w]), state.target, (value) => {
      state.target = Number(value);
      state.lastStep = null;
      render();
    }, "target"));
    row.appendChild(select(L.rate, P.rates.map((r) => [r, String(r)]), state.rate, (value) => {
      state.rate = Number(value);
      render();
    }, "rate"));
    const check = el("label", "control check");
    const box2 = el("input");
    box2.type = "checkbox";
    box2.checked = state.gradients;
    box2.dataset.key = "gradients";
    box2.addEventListener("change", () => { state.gradients = box2.checked; render(); });
    check.appendChild(box2);
    check.appendChild(el("span", "", L.show_gradients));
    row.appendChild(check);
    row.appendChild(button(L.step, () => {
      const before = current.loss;
      change(() => {
        state.weights = M.step(state.weights, current.grads, state.rate);
        state.lastStep = { before, rate: state.rate };
      });
    }, "action take-step"));
    box.appendChild(row);
    const words = state.ids.map((id) => P.words[id]).join(P.lang === "zh" ? "" : " ");
    const lossLine = el("div", "loss", fill(L.loss_line, {
      sentence: words, target: P.words[state.target], loss: fmt(current.loss, 3),
      prob: fmt(Math.exp(-current.loss), 3),
    }));
    box.appendChild(lossLine);
    if (state.lastStep) {
      box.appendChild(el("div", "step-result " + (current.loss < state.lastStep.before ? "down" : "up"),
        fill(current.loss < state.lastStep.before ? L.loss_fell : L.loss_rose, {
          before: fmt(state.lastStep.before, 3), after: fmt(current.loss, 3), rate: state.lastStep.rate,
        })));
    }
    box.appendChild(el("div", "note", state.gradients ? L.gradient_note : L.train_note));
    return box;
  }

  function render() {
    compute();
    drawControls();
    const s = current.steps;
    const best = prediction();
    const n = state.ids.length;
    stage.replaceChildren(
      section(1, "embed", [weights("E"), weights("P"), computed("x", 2)]),
      section(2, "qkv", [weights("WQ"), weights("WK"), weights("WV"), computed("q", 2), computed("k", 2), computed("v", 2)]),
      section(3, "scores", [computed("scores", 3), computed("scaled", 3), computed("masked", 3)], L.notes.scores),
      section(4, "softmax", [computed("attention", 1), computed("mixed", 2)], L.notes.softmax),
      section(5, "output", [weights("WO"), computed("attn_out", 2), computed("resid", 2)], L.notes.output),
      section(6, "ffn", [weights("W1"), weights("b1"), computed("pre", 2), computed("hidden", 2), weights("W2"),
        computed("ff_out", 2), computed("out", 2)], L.notes.ffn),
      section(7, "logits", [weights("Wout"), computed("logits", 4), computed("probs", 1)], L.notes.logits),
      trainingSection(),
    );
    // the row the prediction is read from
    stage.querySelectorAll('td[data-name="probs"]').forEach((td) => {
      if (Number(td.dataset.row) === n - 1 && Number(td.dataset.col) === best) td.classList.add("best");
    });
    const words = state.ids.map((id) => P.words[id]);
    const predictLine = el("div", "prediction", fill(L.prediction, {
      sentence: words.join(P.lang === "zh" ? "" : " "), word: P.words[best], prob: fmt(s.probs[n - 1][best], 2),
    }));
    controls.appendChild(predictLine);
    if (!pinnedCell()) pinned = null;
    showPinned();
    status.dataset.prediction = P.words[best];
    status.dataset.loss = String(current.loss);
    status.dataset.words = words.join(" ");
    status.dataset.edits = edits();
    status.dataset.renders = String(Number(status.dataset.renders || 0) + 1);
    remember();
    writeUrl();
  }

  render();

  // The server may rewrite the address on a later rerun (it knows only the model it opened):
  // put this one back, as long as the page is still this chapter.
  const path = (function () {
    try { return window.parent.location.pathname; } catch (error) { return null; }
  })();
  setInterval(() => {
    try { if (path !== null && window.parent.location.pathname === path) writeUrl(); } catch (error) { /* gone */ }
  }, 1000);
})();
