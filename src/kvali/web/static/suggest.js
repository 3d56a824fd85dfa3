/* Code suggestions screen: the agreement panel (learned or zero-shot, κ and accuracy on held-out
   folds of the researcher's own codings, abstention, learning curve) and keyboard review:
   j/k or ↓/↑ move between pending suggestions, a accepts, r rejects, x ticks. A decision by
   keyboard removes the row and moves on, without reloading; nothing is coded without it. */
"use strict";
(function () {
  const kv = window.kv;
  const words = JSON.parse((document.getElementById("sg-i18n") || {}).textContent || "{}");
  const fill = (s, v) => String(s || "").replace(/\{(\w+)\}/g, (_, k) => (k in v ? v[k] : ""));
  const num = (x) => (x === null || x === undefined ? "–" : Number(x).toFixed(2));
  const pct = (x) => (x === null || x === undefined ? "–" : Math.round(100 * x) + " %");

  function el(tag, attrs, ...kids) {
    const e = document.createElementNS(
      ["svg", "line", "polyline", "text", "circle"].includes(tag) ? "http://www.w3.org/2000/svg" : "http://www.w3.org/1999/xhtml",
      tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    for (const kid of kids) e.append(kid);
    return e;
  }

  /* Accuracy and κ against the number of codings: two lines on 0–1. */
  function chart(curve) {
    const W = 420, H = 170, L = 36, B = 26, T = 8, R = 10;
    const xs = curve.map((p) => p.codings), max = Math.max(...xs, 1);
    const x = (n) => L + (W - L - R) * (n / max);
    const y = (v) => T + (H - T - B) * (1 - v);
    const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img", id: "sg-curve-chart",
      "aria-label": words.curve || "learning curve" });
    for (const v of [0, 0.5, 1]) {
      svg.append(el("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: "#ccc" }));
      svg.append(el("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end", "font-size": 11 }, v.toFixed(1)));
    }
    for (const p of curve) {
      svg.append(el("text", { x: x(p.codings), y: H - 8, "text-anchor": "middle", "font-size": 11 }, String(p.codings)));
    }
    const series = [["accuracy", "#2a6ebb", words.accuracy], ["kappa", "#e76f51", words.kappa]];
    series.forEach(([key, colour, label], i) => {
      const pts = curve.filter((p) => p[key] !== null);
      svg.append(el("polyline", { points: pts.map((p) => `${x(p.codings)},${y(p[key])}`).join(" "),
        fill: "none", stroke: colour, "stroke-width": 2 }));
      for (const p of pts) svg.append(el("circle", { cx: x(p.codings), cy: y(p[key]), r: 3, fill: colour }));
      svg.append(el("text", { x: L + 8 + i * 110, y: T + 12, fill: colour, "font-size": 12 }, label || key));
    });
    return svg;
  }

  function render(body, s) {
    body.replaceChildren();
    const ev = s.evaluation;
    body.append(el("p", { id: "sg-mode" }, el("strong", {},
      s.mode === "learned" ? fill(words.mode_learned, { n: ev ? ev.codings : 0 }) : words.mode_zero)),
      el("p", { class: "muted small", id: "sg-why" },
        `${words.reason}: ${fill(words["why_" + s.reason_code], s.reason_values || {}) || s.reason}`));
    if (!ev) { body.append(el("p", { class: "muted" }, words.no_eval)); return; }
    const by = ev.folds_by === "interview" ? words.by_interview : words.by_turn;
    const table = el("table", { class: "grid", id: "sg-agreement" },
      el("caption", {}, fill(words.on_heldout, { folds: ev.folds, by })),
      el("thead", {}, el("tr", {}, el("th", { scope: "col" }, words.suggester),
        el("th", { scope: "col" }, words.accuracy), el("th", { scope: "col" }, words.kappa))));
    const tb = el("tbody");
    for (const [key, label] of [["learned", words.learned_row], ["zero_shot", words.zero_row]]) {
      const row = el("tr", {}, el("th", { scope: "row" }, label),
        el("td", { class: "num" }, num(ev[key].accuracy)), el("td", { class: "num" }, num(ev[key].kappa)));
      if ((s.mode === "learned") === (key === "learned")) row.className = "chosen";
      tb.append(row);
    }
    table.append(tb);
    body.append(table);
    if (s.mode === "learned") {
      body.append(el("p", { id: "sg-abstain" }, fill(words.abstain,
        { threshold: num(s.threshold), coverage: pct(ev.coverage), precision: num(ev.precision) })));
      if (!ev.target_reached) body.append(el("p", { class: "warn" }, fill(words.target_missed, { target: num(ev.target_precision) })));
      if (ev.fallback && ev.fallback.length) body.append(el("p", { class: "small" }, `${words.fallback} ${ev.fallback.join(", ")}`));
    }
    if (ev.curve && ev.curve.length) {
      body.append(el("h3", {}, words.curve), chart(ev.curve));
      const ct = el("table", { class: "grid small", id: "sg-curve" },
        el("thead", {}, el("tr", {}, el("th", { scope: "col" }, words.codings),
          el("th", { scope: "col" }, words.accuracy), el("th", { scope: "col" }, words.kappa))));
      const cb = el("tbody");
      for (const p of ev.curve) cb.append(el("tr", {}, el("td", { class: "num" }, String(p.codings)),
        el("td", { class: "num" }, num(p.accuracy)), el("td", { class: "num" }, num(p.kappa))));
      ct.append(cb);
      body.append(ct);
    }
  }

  const panel = document.getElementById("sg-model");
  async function loadModel() {
    if (!panel || panel.hidden) return;
    const status = document.getElementById("sg-model-status");
    const body = document.getElementById("sg-model-body");
    const select = document.getElementById("sg-level");
    const level = select ? select.value : panel.dataset.level;
    status.hidden = false;
    status.textContent = status.dataset.measuring || status.textContent;
    status.dataset.measuring = status.textContent;
    try {
      const { data } = await kv.api("GET", `${panel.dataset.api}?level=${encodeURIComponent(level)}`);
      render(body, data);
      body.hidden = false;
      status.hidden = true;
    } catch (err) {
      status.textContent = err.message;
      body.hidden = true;
    }
  }
  const levelSelect = document.getElementById("sg-level");
  if (levelSelect) levelSelect.addEventListener("change", loadModel);
  loadModel();

  /* Keyboard review of the pending rows. */
  const holder = document.querySelector("[data-decide-api]");
  const base = holder ? holder.dataset.decideApi : "/api/suggestions";
  const rows = () => Array.from(document.querySelectorAll("#suggestions tbody tr[data-pending]"));
  let current = -1;
  function focusRow(i) {
    const all = rows();
    if (!all.length) return;
    current = Math.max(0, Math.min(i, all.length - 1));
    all.forEach((r, j) => r.classList.toggle("current", j === current));
    all[current].focus();
  }
  async function decide(decision) {
    const all = rows();
    const row = all[current];
    if (!row) return;
    try {
      await kv.api("POST", `${base}/${row.dataset.id}/${decision}`);
      row.remove();
      kv.toast(`#${row.dataset.id}: ${decision === "accept" ? "✓" : "✗"}`);
      if (!rows().length) { location.reload(); return; }
      focusRow(current);
    } catch (err) { kv.toast(err.message, true); }
  }
  document.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (ev.target.closest("input, select, textarea, [contenteditable]")) return;
    if (!rows().length) return;
    const key = ev.key;
    if (key === "j" || key === "ArrowDown") { ev.preventDefault(); focusRow(current + 1); }
    else if (key === "k" || key === "ArrowUp") { ev.preventDefault(); focusRow(current < 0 ? 0 : current - 1); }
    else if (current >= 0 && (key === "a" || key === "r")) { ev.preventDefault(); decide(key === "a" ? "accept" : "reject"); }
    else if (current >= 0 && key === "x") {
      ev.preventDefault();
      const pick = rows()[current].querySelector("input.pick");
      if (pick) pick.checked = !pick.checked;
    }
  });
})();
