/* Margin bars: one coloured bar per coding beside the lines it covers, in lanes so overlapping
   codings stay visible. Positions are measured once per coding and cached until the text
   column changes width, so redrawing after a new coding touches no layout. */
"use strict";
(function () {
  const kv = (window.kv = window.kv || {});
  const LANE = 7, MAX_LANES = 10;

  kv.Bars = function (barsEl, docEl) {
    this.el = barsEl;
    this.doc = docEl;
    this.cache = new Map(); // coding id -> [top, height, start, end]
  };

  kv.Bars.prototype.invalidate = function () { this.cache.clear(); };

  kv.Bars.prototype.rangeFor = function (turns, s, e) { return kv.rangeOf(turns, s, e); };

  /* Draw bars for the codings inside the loaded turns; returns the ranges for highlighting. */
  kv.Bars.prototype.draw = function (turns, codings, codesById, activeId) {
    const loadedEnd = turns.length ? turns[turns.length - 1].e : 0;
    const origin = this.doc.getBoundingClientRect().top - this.doc.scrollTop;
    const items = [];
    const ranges = [];
    for (const c of codings) {
      if (c[2] >= loadedEnd) continue;
      const end = Math.min(c[3], loadedEnd);
      let pos = this.cache.get(c[0]);
      if (!pos || pos[2] !== c[2] || pos[3] !== end) {
        const r = this.rangeFor(turns, c[2], end);
        if (!r) continue;
        const box = r.getBoundingClientRect();
        pos = [box.top - origin, Math.max(box.height, 6), c[2], end];
        this.cache.set(c[0], pos);
        ranges.push(r);
      } else {
        const r = this.rangeFor(turns, c[2], end);
        if (r) ranges.push(r);
      }
      items.push([pos[0], pos[1], c]);
    }
    items.sort((x, y) => x[0] - y[0] || y[1] - x[1]);
    const laneEnds = [];
    const frag = document.createDocumentFragment();
    for (const [top, height, c] of items) {
      let lane = laneEnds.findIndex((b) => b <= top + 1);
      if (lane < 0) lane = laneEnds.length < MAX_LANES ? laneEnds.length : MAX_LANES - 1;
      laneEnds[lane] = top + height;
      const code = codesById.get(c[1]);
      const bar = document.createElement("div");
      bar.className = "bar" + (c[4] ? " gold" : "") + (c[0] === activeId ? " active" : "");
      bar.dataset.id = c[0];
      bar.style.cssText = `top:${top}px;height:${height}px;right:${lane * LANE}px;background:${code ? code.color : "#888"}`;
      bar.title = (code ? code.path : "?") + (c[4] ? " ★" : "");
      frag.appendChild(bar);
    }
    this.el.replaceChildren(frag);
    return ranges;
  };

  /* Light underline for all coded text, a stronger mark for the open coding. */
  kv.highlight = function (name, ranges) {
    if (!(window.CSS && CSS.highlights && window.Highlight)) return;
    if (!ranges || !ranges.length) CSS.highlights.delete(name);
    else CSS.highlights.set(name, new Highlight(...ranges));
  };
})();
