/* Text positions: the server counts Unicode code points, JavaScript strings count UTF-16 units.
   Every position crosses this boundary here, so an emoji never shifts a coding. */
"use strict";
(function () {
  const kv = (window.kv = window.kv || {});
  const ASTRAL = /[\uD800-\uDBFF][\uDC00-\uDFFF]/;

  kv.hasAstral = (s) => ASTRAL.test(s);

  /* code points in s[0:units] */
  kv.unitsToCp = function (s, units) {
    let n = 0;
    for (let i = 0; i < units && i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) i++;
      }
      n++;
    }
    return n;
  };

  /* UTF-16 index of code point k in s */
  kv.cpToUnits = function (s, k) {
    let i = 0;
    for (let n = 0; n < k && i < s.length; n++) {
      const c = s.charCodeAt(i);
      i += c >= 0xd800 && c <= 0xdbff && i + 1 < s.length ? 2 : 1;
    }
    return i;
  };

  /* Turn index holding code point cp (turns sorted; each covers [s, e], e = the separator). */
  kv.findTurn = function (turns, cp) {
    let lo = 0, hi = turns.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (cp < turns[mid].s) hi = mid - 1;
      else if (cp > turns[mid].e) lo = mid + 1;
      else return mid;
    }
    return -1;
  };

  /* DOM point for code point cp, or null when that turn is not loaded yet. */
  kv.locate = function (turns, cp) {
    const i = kv.findTurn(turns, cp);
    if (i < 0) return null;
    const t = turns[i];
    const k = Math.min(cp, t.e) - t.s;
    return { node: t.node, offset: t.astral ? kv.cpToUnits(t.node.data, k) : Math.min(k, t.node.length) };
  };

  /* DOM range for code points [s, e), or null when a turn is not loaded yet. */
  kv.rangeOf = function (turns, s, e) {
    const a = kv.locate(turns, s), b = kv.locate(turns, e);
    if (!a || !b) return null;
    const r = document.createRange();
    r.setStart(a.node, a.offset);
    r.setEnd(b.node, b.offset);
    return r;
  };

  /* Code point for a DOM boundary (a selection's end) inside the transcript, or null. */
  kv.boundaryToCp = function (turnOf, node, offset) {
    const el = node.nodeType === 3 ? node.parentElement : node;
    const turnEl = el && el.closest(".turn");
    const t = turnEl && turnOf.get(turnEl);
    if (!t) return null;
    if (node === t.node) return t.s + (t.astral ? kv.unitsToCp(t.node.data, offset) : offset);
    const r = document.createRange();
    r.selectNodeContents(t.p);
    const where = r.comparePoint(node, offset);
    if (where < 0) return t.s;
    if (where > 0) return t.e;
    return offset === 0 ? t.s : t.e;
  };
})();
