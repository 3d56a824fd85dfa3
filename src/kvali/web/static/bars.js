/* Margin stripes: one stripe per coding beside the lines it covers, in its code's colour, in
   lanes so overlapping codings stand side by side, each labelled with its code's name to its
   left where there is room (a label that would overlap the one above is left out; the stripe's
   title always has the full path). Clicking a stripe or its label opens the coding.
   Positions are measured once per coding and cached until the text column changes width, so
   redrawing after a new coding touches no layout; the work is O(codings) and each coding is
   one element, plus one for a label that fits. */
"use strict";
(function () {
  const kv = (window.kv = window.kv || {});
  const LANE = 8, MAX_LANES = 8, LABEL_H = 14; // px: lane width, lanes, a label's height

  kv.Bars = function (barsEl, docEl) {
    this.el = barsEl;
    this.doc = docEl;
    this.cache = new Map(); // coding id -> [top, height, start, end]
    this.width = null;
  };

  kv.Bars.prototype.invalidate = function () { this.cache.clear(); this.width = null; };

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
    if (!this.width) this.width = this.el.clientWidth; // measured once, like the positions
    const width = this.width;
    const placed = [];
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
      placed.push([top, c, code, bar.title]);
    }
    // Labels in one column left of every lane in use, each at its stripe's top; one that would
    // overlap the label above is left out (the stripe keeps its title).
    const right = laneEnds.length * LANE + 2, room = width - right - 2;
    let labelsEnd = -Infinity;
    for (const [top, c, code, title] of room > 24 ? placed : []) {
      if (!code || top < labelsEnd) continue;
      const label = document.createElement("span");
      label.className = "bar-name" + (c[0] === activeId ? " active" : "");
      label.dataset.id = c[0];
      label.textContent = (c[4] ? "★ " : "") + code.name;
      label.title = title;
      label.style.cssText = `top:${top}px;right:${right}px;max-width:${room}px;border-right-color:${code.color}`;
      frag.appendChild(label);
      labelsEnd = top + LABEL_H;
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
