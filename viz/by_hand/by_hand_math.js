// Chapter 5 "by hand": the tiny transformer's arithmetic, in the learner's browser.
//
// The same computation as lm_core/models/by_hand.py (forward, loss, backward, one step),
// written out by hand on plain arrays of numbers (float64). tests/unit/test_by_hand.py runs
// this file with node and compares every number with PyTorch's forward and autograd to 1e-6.
// Matrices are arrays of rows; a vector (b1) is a plain array.
var ByHandMath = (function () {
  "use strict";

  const STEP_DECIMALS = 4;
  const LIMIT = 99; // no weight grows past ±LIMIT (the link could not carry it)

  function zeros(rows, cols) {
    const out = [];
    for (let r = 0; r < rows; r++) out.push(new Array(cols).fill(0));
    return out;
  }

  function matmul(a, b) {
    const rows = a.length, inner = b.length, cols = b[0].length;
    const out = zeros(rows, cols);
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) {
        let sum = 0;
        for (let k = 0; k < inner; k++) sum += a[r][k] * b[k][c];
        out[r][c] = sum;
      }
    return out;
  }

  function transpose(a) {
    const out = zeros(a[0].length, a.length);
    for (let r = 0; r < a.length; r++) for (let c = 0; c < a[0].length; c++) out[c][r] = a[r][c];
    return out;
  }

  function add(a, b) {
    return a.map((row, r) => row.map((value, c) => value + b[r][c]));
  }

  function softmaxRow(row) {
    let top = -Infinity;
    for (const value of row) if (value > top) top = value;
    const exps = row.map((value) => (value === -Infinity ? 0 : Math.exp(value - top)));
    const total = exps.reduce((s, e) => s + e, 0);
    return exps.map((e) => e / total);
  }

  // Every intermediate by name, in the order of chapter 5's steps (names as in lm_core).
  function forward(W, ids) {
    const n = ids.length, d = W.WQ.length;
    const s = {};
    s.x = ids.map((id, i) => W.E[id].map((value, c) => value + W.P[i][c]));
    s.q = matmul(s.x, W.WQ);
    s.k = matmul(s.x, W.WK);
    s.v = matmul(s.x, W.WV);
    s.scores = matmul(s.q, transpose(s.k));
    const root = Math.sqrt(d);
    s.scaled = s.scores.map((row) => row.map((value) => value / root));
    s.masked = s.scaled.map((row, i) => row.map((value, j) => (j > i ? -Infinity : value)));
    s.attention = s.masked.map(softmaxRow);
    s.mixed = matmul(s.attention, s.v);
    s.attn_out = matmul(s.mixed, W.WO);
    s.resid = add(s.x, s.attn_out);
    s.pre = matmul(s.resid, W.W1).map((row) => row.map((value, c) => value + W.b1[c]));
    s.hidden = s.pre.map((row) => row.map((value) => (value > 0 ? value : 0)));
    s.ff_out = matmul(s.hidden, W.W2);
    s.out = add(s.resid, s.ff_out);
    s.logits = matmul(s.out, W.Wout);
    s.probs = s.logits.map(softmaxRow);
    return s;
  }

  // −log p(target) as the word after the last one.
  function loss(steps, target) {
    const last = steps.probs[steps.probs.length - 1];
    return -Math.log(last[target]);
  }

  // ∂loss/∂(every weight), by the chain rule, step by step backwards through forward().
  function backward(W, ids, steps, target) {
    const n = ids.length, d = W.WQ.length, V = W.Wout[0].length;
    const g = {};
    const dLogits = zeros(n, V);
    steps.probs[n - 1].forEach((p, c) => { dLogits[n - 1][c] = p - (c === target ? 1 : 0); });
    g.Wout = matmul(transpose(steps.out), dLogits);
    const dOut = matmul(dLogits, transpose(W.Wout));
    // out = resid + ff_out; ff_out = hidden·W2; hidden = relu(pre); pre = resid·W1 + b1
    g.W2 = matmul(transpose(steps.hidden), dOut);
    const dHidden = matmul(dOut, transpose(W.W2));
    const dPre = dHidden.map((row, i) => row.map((value, c) => (steps.pre[i][c] > 0 ? value : 0)));
    g.W1 = matmul(transpose(steps.resid), dPre);
    g.b1 = W.b1.map((_, c) => dPre.reduce((sum, row) => sum + row[c], 0));
    const dResid = add(dOut, matmul(dPre, transpose(W.W1)));
    // resid = x + attn_out; attn_out = mixed·WO; mixed = attention·v
    g.WO = matmul(transpose(steps.mixed), dResid);
    const dMixed = matmul(dResid, transpose(W.WO));
    const dAttention = matmul(dMixed, transpose(steps.v));
    const dV = matmul(transpose(steps.attention), dMixed);
    // softmax: ∂m_ij = a_ij (∂a_ij − Σ_k a_ik ∂a_ik); the mask passes nothing back
    const dScaled = steps.attention.map((row, i) => {
      const dot = row.reduce((sum, a, k) => sum + a * dAttention[i][k], 0);
      return row.map((a, j) => a * (dAttention[i][j] - dot));
    });
    const root = Math.sqrt(d);
    const dScores = dScaled.map((row) => row.map((value) => value / root));
    const dQ = matmul(dScores, steps.k);
    const dK = matmul(transpose(dScores), steps.q);
    const xT = transpose(steps.x);
    g.WQ = matmul(xT, dQ);
    g.WK = matmul(xT, dK);
    g.WV = matmul(xT, dV);
    let dX = add(dResid, matmul(dQ, transpose(W.WQ)));
    dX = add(dX, matmul(dK, transpose(W.WK)));
    dX = add(dX, matmul(dV, transpose(W.WV)));
    g.E = zeros(W.E.length, d);
    g.P = zeros(W.P.length, d);
    ids.forEach((id, i) => {
      for (let c = 0; c < d; c++) {
        g.E[id][c] += dX[i][c];
        g.P[i][c] += dX[i][c];
      }
    });
    return g;
  }

  // Half up, as lm_core.models.by_hand.round_to: the same operations, the same bits.
  function roundTo(value, decimals) {
    const scale = Math.pow(10, decimals);
    return Math.floor(value * scale + 0.5) / scale;
  }

  function clip(value) {
    return Math.min(LIMIT, Math.max(-LIMIT, value));
  }

  // weight − learning rate × gradient, rounded to STEP_DECIMALS, kept within ±LIMIT
  // (lm_core's take_step).
  function step(W, grads, rate) {
    const out = {};
    for (const name of Object.keys(W)) {
      const value = W[name], grad = grads[name];
      out[name] = Array.isArray(value[0])
        ? value.map((row, r) => row.map((v, c) => clip(roundTo(v - rate * grad[r][c], STEP_DECIMALS))))
        : value.map((v, c) => clip(roundTo(v - rate * grad[c], STEP_DECIMALS)));
    }
    return out;
  }

  return { forward, loss, backward, step, roundTo, matmul, transpose, softmaxRow, STEP_DECIMALS, LIMIT };
})();

if (typeof module !== "undefined") module.exports = ByHandMath;
