/* The coding screen: select text, pick or create a code by type-ahead, margin bars, the open
   coding's detail (gold, recode, remove, memo), lazy loading of long transcripts, and polling
   the event log so two tabs on the same transcript see each other's codings. */
"use strict";
(function () {
  const kv = window.kv;
  const B = JSON.parse(document.getElementById("kv-boot").textContent);
  const M = B.messages;
  const $ = (id) => document.getElementById(id);
  const turnsEl = $("turns"), docEl = $("doc"), input = $("code-input"), list = $("code-list");
  const bars = new kv.Bars($("bars"), docEl);
  const turns = [], turnOf = new Map();
  kv.doc = { turns, turnOf, ensureLoaded: (cp) => ensureLoaded(cp), fmtMs: (ms) => fmtMs(ms) }; // for player.js, editor.js
  let codings = B.codings, codes = [], codesById = new Map();
  let loaded = 0, loading = null, pending = null, openId = null, eventId = B.event_id;
  let options = [], activeOpt = 0;
  const timings = (window.kvTimings = []);

  function addTurnEl(el) {
    const p = el.querySelector(".tx");
    if (!p.firstChild) p.appendChild(document.createTextNode(""));
    const t = { s: +el.dataset.s, e: +el.dataset.e, el, p, node: p.firstChild };
    t.astral = kv.hasAstral(t.node.data);
    turns.push(t);
    turnOf.set(el, t);
  }

  function fmtMs(ms) {
    if (ms === null || ms === undefined) return "";
    const s = Math.floor(ms / 1000), p = (n) => String(n).padStart(2, "0");
    return `${p(Math.floor(s / 3600))}:${p(Math.floor((s % 3600) / 60))}:${p(s % 60)}`;
  }

  function appendTurns(rows) {
    const frag = document.createDocumentFragment(), els = [];
    for (const [, speaker, role, startMs, s, e, text] of rows) {
      const el = document.createElement("div");
      el.className = "turn role-" + role;
      el.dataset.s = s;
      el.dataset.e = e;
      const meta = document.createElement("div");
      meta.className = "meta";
      meta.innerHTML = '<span class="ts"></span> <span class="spk"></span>';
      meta.firstChild.textContent = fmtMs(startMs);
      if (startMs !== null && startMs !== undefined) meta.firstChild.dataset.ms = startMs;
      meta.lastChild.textContent = speaker;
      const p = document.createElement("p");
      p.className = "tx";
      p.textContent = text;
      el.append(meta, p);
      frag.appendChild(el);
      els.push(el);
    }
    turnsEl.appendChild(frag);
    els.forEach(addTurnEl);
  }

  function loadMore() {
    if (loading || loaded >= B.turn_count) return loading || Promise.resolve();
    loading = kv.api("GET", `/api/transcripts/${B.transcript_id}/turns?offset=${loaded}&limit=${B.chunk}`)
      .then((r) => {
        appendTurns(r.data.turns);
        loaded += r.data.turns.length;
        if (loaded >= B.turn_count || !r.data.turns.length) { loaded = B.turn_count; $("more").textContent = ""; }
        loading = null;
        redraw();
        document.dispatchEvent(new CustomEvent("kv:turns"));
      })
      .catch((err) => { loading = null; kv.toast(err.message, true); });
    return loading;
  }

  async function ensureLoaded(cp) {
    while (loaded < B.turn_count && (!turns.length || turns[turns.length - 1].e < cp)) await loadMore();
  }

  function setCodes(list) {
    codes = list;
    codesById = new Map(codes.map((c) => [c.id, c]));
    $("code-paths").replaceChildren(...codes.map((c) => { const o = document.createElement("option"); o.value = c.path; return o; }));
    renderQuick();
  }

  function redraw() {
    const ranges = bars.draw(turns, codings, codesById, openId);
    kv.highlight("kv-coded", ranges);
    $("n-codings").textContent = codings.length;
  }

  function textOf(s, e) {
    const r = kv.rangeOf(turns, s, e);
    return r ? r.toString() : "";
  }

  /* Selection -> code-point span, trimmed of surrounding whitespace. */
  function onSelection() {
    const sel = document.getSelection();
    if (!sel || sel.isCollapsed || !sel.rangeCount || !turnsEl.contains(sel.anchorNode)) return;
    const r = sel.getRangeAt(0);
    let s = kv.boundaryToCp(turnOf, r.startContainer, r.startOffset);
    let e = kv.boundaryToCp(turnOf, r.endContainer, r.endOffset);
    if (s === null || e === null || e <= s) return;
    const text = textOf(s, e);
    const lead = text.length - text.trimStart().length, trail = text.length - text.trimEnd().length;
    s += kv.unitsToCp(text, lead);
    e -= kv.unitsToCp(text.slice(text.length - trail), trail);
    if (e <= s) return;
    pending = { s, e };
    const shown = text.trim();
    $("sel-text").textContent = "«" + (shown.length > 160 ? shown.slice(0, 160) + "…" : shown) + "»";
    $("sel-text").classList.remove("muted");
  }

  function recent() {
    try { return JSON.parse(localStorage.getItem("kv-recent") || "[]"); } catch (e) { return []; }
  }
  function remember(codeId) {
    const ids = [codeId, ...recent().filter((x) => x !== codeId)].slice(0, 9);
    localStorage.setItem("kv-recent", JSON.stringify(ids));
    renderQuick();
  }
  function renderQuick() {
    const items = recent().map((id) => codesById.get(id)).filter(Boolean);
    $("quick").replaceChildren(...items.map((c, i) => {
      const li = document.createElement("li"), b = document.createElement("button");
      b.type = "button";
      b.innerHTML = '<kbd></kbd> <span class="swatch"></span> ';
      b.firstChild.textContent = i + 1;
      b.children[1].style.background = c.color;
      b.append(c.name);
      b.title = c.path;
      b.addEventListener("click", () => apply(c.id, false));
      li.appendChild(b);
      return li;
    }));
  }

  function renderOptions() {
    const q = input.value.trim().toLocaleLowerCase();
    const hits = codes.filter((c) => !q || c.path.toLocaleLowerCase().includes(q));
    hits.sort((a, b) => (b.name.toLocaleLowerCase().startsWith(q) - a.name.toLocaleLowerCase().startsWith(q)));
    options = hits.slice(0, 12).map((c) => ({ id: c.id, label: c.path, color: c.color }));
    if (q && !codes.some((c) => c.name.toLocaleLowerCase() === q)) options.push({ create: input.value.trim(), label: `${M.create_code} «${input.value.trim()}»` });
    activeOpt = Math.min(activeOpt, Math.max(options.length - 1, 0));
    list.replaceChildren(...options.map((o, i) => {
      const li = document.createElement("li");
      li.id = "opt-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", String(i === activeOpt));
      if (o.color) { const sw = document.createElement("span"); sw.className = "swatch"; sw.style.background = o.color; li.append(sw, " "); }
      li.append(o.label);
      li.addEventListener("mousedown", (ev) => { ev.preventDefault(); choose(i); });
      return li;
    }));
    input.setAttribute("aria-expanded", String(options.length > 0 && document.activeElement === input));
    input.setAttribute("aria-activedescendant", options.length ? "opt-" + activeOpt : "");
  }

  function choose(i) {
    const o = options[i];
    if (!o) return;
    if (o.create) apply(o.create, true);
    else apply(o.id, false);
  }

  async function apply(codeRef, isNew) {
    if (!pending) { kv.toast(M.no_selection, true); return; }
    const body = { transcript_id: B.transcript_id, start: pending.s, end: pending.e, gold: $("gold-new").checked };
    if (isNew) body.new_code = codeRef; else body.code = codeRef;
    try {
      const r = await kv.api("POST", "/api/codings", body);
      timings.push({ action: "apply", serverMs: r.serverMs, clientMs: r.clientMs });
      if (r.data.codes) { setCodes(r.data.codes); kv.toast(M.new_code_created); }
      const c = r.data.coding;
      codings = codings.filter((x) => x[0] !== c[0]).concat([c]);
      remember(c[1]);
      pending = null;
      input.value = "";
      $("gold-new").checked = false;
      $("sel-text").textContent = M.no_selection;
      $("sel-text").classList.add("muted");
      document.getSelection().removeAllRanges();
      if (document.activeElement === input) docEl.focus({ preventScroll: true }); // shortcuts work again
      renderOptions();
      showDetail(r.data.detail, []);
      redraw();
    } catch (err) { kv.toast(err.message, true); }
  }

  function showDetail(d, memos) {
    openId = d.id;
    $("detail").hidden = false;
    const code = $("d-code");
    code.textContent = "— " + d.code;
    code.style.borderColor = d.color;
    $("d-text").textContent = d.text;
    $("d-meta").textContent = [d.speaker, fmtMs(d.start_ms), d.coder && `${M.coder}: ${d.coder}`, `${M.cycle} ${d.cycle}`].filter(Boolean).join(" · ");
    $("d-gold").setAttribute("aria-pressed", String(d.is_gold));
    $("d-memos").replaceChildren(...memos.map((m) => { const li = document.createElement("li"); li.textContent = m.text; return li; }));
    const r = bars.rangeFor(turns, d.start_char, d.end_char);
    kv.highlight("kv-active", r ? [r] : []);
  }

  async function openCoding(id, scroll) {
    try {
      const r = await kv.api("GET", `/api/codings/${id}`);
      const d = r.data.detail;
      if (scroll) {
        await ensureLoaded(d.start_char);
        const at = kv.locate(turns, d.start_char);
        if (at) at.node.parentElement.scrollIntoView({ block: "center" });
      }
      showDetail(d, r.data.memos);
      redraw();
    } catch (err) { kv.toast(err.message, true); }
  }

  async function patchOpen(body) {
    if (openId === null) return;
    try {
      const r = await kv.api("PATCH", `/api/codings/${openId}`, body);
      const c = r.data.coding;
      codings = codings.filter((x) => x[0] !== openId && x[0] !== c[0]).concat([c]);
      showDetail(r.data.detail, []);
      if (r.data.replaced) openCoding(c[0], false);
      redraw();
      kv.toast(M.saved);
    } catch (err) { kv.toast(err.message, true); }
  }

  async function removeOpen() {
    if (openId === null) return;
    try {
      await kv.api("DELETE", `/api/codings/${openId}`);
      codings = codings.filter((x) => x[0] !== openId);
      closeDetail();
      redraw();
    } catch (err) { kv.toast(err.message, true); }
  }

  function closeDetail() {
    openId = null;
    $("detail").hidden = true;
    kv.highlight("kv-active", []);
  }

  function step(dir) {
    const sorted = codings.slice().sort((a, b) => a[2] - b[2] || a[0] - b[0]);
    if (!sorted.length) return;
    const cur = sorted.findIndex((c) => c[0] === openId);
    const next = cur < 0 ? (dir > 0 ? 0 : sorted.length - 1) : (cur + dir + sorted.length) % sorted.length;
    openCoding(sorted[next][0], true);
  }

  async function poll() {
    if (document.hidden) return;
    try {
      const r = await kv.api("GET", "/api/events/latest");
      if (r.data.id === eventId) return;
      eventId = r.data.id;
      const st = await kv.api("GET", `/api/interviews/${B.interview_id}/codings`);
      const before = JSON.stringify(codings.map((c) => c.join()).sort());
      setCodes(st.data.codes);
      codings = st.data.codings;
      eventId = st.data.event_id;
      if (JSON.stringify(codings.map((c) => c.join()).sort()) !== before) { redraw(); kv.toast(M.updated); }
    } catch (err) { /* the next poll tries again */ }
  }

  /* A turn's text changed on the server (editor.js): its node, and every later turn's offsets
     by the change in length; then the codings as they moved. */
  kv.doc.replaced = function (t, text) {
    const delta = [...text].length - (t.e - t.s);
    t.p.textContent = text;
    t.node = t.p.firstChild;
    t.astral = kv.hasAstral(text);
    t.e += delta;
    t.el.dataset.e = t.e;
    for (const u of turns) if (u.s > t.s) { u.s += delta; u.e += delta; u.el.dataset.s = u.s; u.el.dataset.e = u.e; }
    bars.invalidate();
    redraw();
    eventId = -1; // the next poll fetches the moved codings
    poll();
    document.dispatchEvent(new CustomEvent("kv:turns"));
  };

  // --- wiring ---
  turnsEl.querySelectorAll(".turn").forEach(addTurnEl);
  loaded = turns.length;
  setCodes(B.codes);
  redraw();
  window.kvReady = performance.now();
  performance.mark("kv-ready");

  new IntersectionObserver((entries) => { if (entries.some((e) => e.isIntersecting)) loadMore(); }, { rootMargin: "2000px" }).observe($("more"));
  new ResizeObserver(() => { bars.invalidate(); redraw(); }).observe(turnsEl);
  document.addEventListener("selectionchange", onSelection);
  $("bars").addEventListener("click", (ev) => { const b = ev.target.closest(".bar"); if (b) openCoding(+b.dataset.id, false); });
  input.addEventListener("input", () => { activeOpt = 0; renderOptions(); });
  input.addEventListener("focus", renderOptions);
  input.addEventListener("blur", () => { input.setAttribute("aria-expanded", "false"); list.replaceChildren(); });
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowDown") { activeOpt = Math.min(activeOpt + 1, options.length - 1); renderOptions(); ev.preventDefault(); }
    else if (ev.key === "ArrowUp") { activeOpt = Math.max(activeOpt - 1, 0); renderOptions(); ev.preventDefault(); }
    else if (ev.key === "Enter") { choose(activeOpt); ev.preventDefault(); }
    else if (ev.key === "Escape") { input.blur(); }
  });
  $("d-gold").addEventListener("click", () => patchOpen({ gold: $("d-gold").getAttribute("aria-pressed") !== "true" }));
  $("d-remove").addEventListener("click", removeOpen);
  $("d-recode").addEventListener("submit", (ev) => { ev.preventDefault(); patchOpen({ code: ev.target.code.value }); ev.target.reset(); });
  $("d-memo").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      await kv.api("POST", `/api/codings/${openId}/memos`, { text: ev.target.text.value });
      ev.target.reset();
      openCoding(openId, false);
    } catch (err) { kv.toast(err.message, true); }
  });
  document.addEventListener("keydown", (ev) => {
    if (ev.target.closest("input, textarea, select") || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const quick = recent().map((id) => codesById.get(id)).filter(Boolean);
    if (ev.key === "/" || (ev.key === "Enter" && pending)) { input.focus(); ev.preventDefault(); }
    else if (/^[1-9]$/.test(ev.key) && quick[+ev.key - 1]) { apply(quick[+ev.key - 1].id, false); ev.preventDefault(); }
    else if (ev.key === "g") patchOpen({ gold: $("d-gold").getAttribute("aria-pressed") !== "true" });
    else if (ev.key === "Delete") removeOpen();
    else if (ev.key === "j") step(1);
    else if (ev.key === "k") step(-1);
    else if (ev.key === "Escape") { closeDetail(); document.getSelection().removeAllRanges(); }
  });
  setInterval(poll, 3000);
  document.addEventListener("visibilitychange", poll);
  const m = /at=(\d+)(?:-(\d+))?/.exec(location.hash);
  if (m) {
    const s = +m[1], e = m[2] ? +m[2] : s + 1;
    ensureLoaded(e).then(() => {
      const r = bars.rangeFor(turns, s, e);
      if (r) { kv.highlight("kv-hit", [r]); r.startContainer.parentElement.scrollIntoView({ block: "center" }); }
    });
  }
})();
