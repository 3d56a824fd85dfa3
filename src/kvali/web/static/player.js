/* The recording beside its transcript: click a word or a turn's time to play from there, the
   word being spoken is highlighted as it plays, unsure words and [unclear …] gaps are marked
   and reachable by key, playback speed 0.5–2×. Positions are the server's code points
   (offsets.js); the transcript's turns and their loading belong to coding.js (kv.doc). */
"use strict";
(function () {
  const kv = window.kv;
  const audio = document.getElementById("kv-audio");
  if (!audio || !kv.doc) return;
  const B = JSON.parse(document.getElementById("kv-boot").textContent);
  const $ = (id) => document.getElementById(id);
  let words = [], gaps = [], unsure = [], unsureBelow = null, marks = [], now = -1;

  const rangeOf = (s, e) => kv.rangeOf(kv.doc.turns, s, e);

  /* Unsure words and gaps, in text order: what "next unsure" steps through. */
  function collectMarks() {
    unsure = unsureBelow === null ? [] : words.filter((w) => w[4] !== null && w[4] < unsureBelow);
    marks = [...unsure.map((w) => [w[0], w[1], w[2]]), ...gaps.map((g) => [g[0], g[1], g[2]])]
      .sort((x, y) => x[0] - y[0]);
    $("kv-unsure-count").textContent = `${unsure.length} / ${gaps.length}`;
  }

  function drawMarks() {
    const ranges = (items) => items.map((x) => rangeOf(x[0], x[1])).filter(Boolean);
    kv.highlight("kv-unsure", ranges(unsure));
    kv.highlight("kv-gap", ranges(gaps));
  }

  /* Index of the last word starting at or before ms (words are in time order within a turn
     and turns in time order, so start times are sorted for a transcribed recording). */
  function wordAt(ms) {
    let lo = 0, hi = words.length - 1, best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (words[mid][2] <= ms) { best = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return best;
  }

  function follow() {
    const i = wordAt(audio.currentTime * 1000);
    if (i === now) return;
    now = i;
    const w = words[i];
    const r = w && w[3] >= audio.currentTime * 1000 - 1500 ? rangeOf(w[0], w[1]) : null;
    kv.highlight("kv-now", r ? [r] : []);
    window.kvPlayingWord = w ? w[0] : null; // for the browser tests
    if (r && !audio.paused) {
      const box = r.getBoundingClientRect();
      if (box.bottom > window.innerHeight || box.top < 0) r.startContainer.parentElement.scrollIntoView({ block: "center" });
    }
  }

  function playFrom(ms) {
    audio.currentTime = Math.max(0, ms / 1000);
    follow();
    const p = audio.play();
    if (p && p.catch) p.catch(() => {}); // a browser may refuse to autoplay; the position is set
  }

  async function jump(dir) {
    if (!marks.length) return;
    const sel = document.getSelection();
    const here = audio.currentTime * 1000;
    let k = dir > 0 ? marks.findIndex((m) => m[2] > here + 50) : -1;
    if (dir < 0) for (let j = marks.length - 1; j >= 0; j--) if (marks[j][2] < here - 50) { k = j; break; }
    if (k < 0) k = dir > 0 ? 0 : marks.length - 1;
    const [s, e, ms] = marks[k];
    await kv.doc.ensureLoaded(e);
    drawMarks();
    audio.currentTime = ms / 1000;
    follow();
    const r = rangeOf(s, e);
    if (r) {
      sel.removeAllRanges();
      sel.addRange(r); // selected: ready to type over or to code
      r.startContainer.parentElement.scrollIntoView({ block: "center" });
    }
  }

  /* A click (not a drag: that selects text for coding) on a word plays from it. */
  document.getElementById("turns").addEventListener("click", (ev) => {
    const ts = ev.target.closest(".ts[data-ms]");
    if (ts) { playFrom(+ts.dataset.ms); return; }
    const sel = document.getSelection();
    if (!sel || !sel.isCollapsed || !sel.anchorNode) return;
    const cp = kv.boundaryToCp(kv.doc.turnOf, sel.anchorNode, sel.anchorOffset);
    if (cp === null) return;
    const w = words.find((x) => x[0] <= cp && cp <= x[1]);
    if (w) playFrom(w[2]);
  });
  audio.addEventListener("timeupdate", follow);
  audio.addEventListener("seeked", follow);
  $("kv-speed").addEventListener("change", (ev) => { audio.playbackRate = +ev.target.value; });
  $("kv-back").addEventListener("click", () => { audio.currentTime = Math.max(0, audio.currentTime - 3); });
  $("kv-next-unsure").addEventListener("click", () => jump(1));
  document.addEventListener("kv:turns", drawMarks);
  const RATES = [0.5, 0.75, 1, 1.25, 1.5, 2];
  document.addEventListener("keydown", (ev) => {
    if (ev.target.closest("input, textarea, select") || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (ev.key === "p") { if (audio.paused) audio.play().catch(() => {}); else audio.pause(); ev.preventDefault(); }
    else if (ev.key === "b") { audio.currentTime = Math.max(0, audio.currentTime - 3); ev.preventDefault(); }
    else if (ev.key === "[" || ev.key === "]") {
      const i = RATES.indexOf(audio.playbackRate), j = Math.max(0, Math.min(RATES.length - 1, (i < 0 ? 2 : i) + (ev.key === "]" ? 1 : -1)));
      audio.playbackRate = RATES[j];
      $("kv-speed").value = String(RATES[j]);
      ev.preventDefault();
    }
    else if (ev.key === "u" || ev.key === "U") { jump(ev.shiftKey ? -1 : 1); ev.preventDefault(); }
  });

  function load() {
    return kv.api("GET", `/api/transcripts/${B.transcript_id}/words`).then((r) => {
      words = r.data.words;
      gaps = r.data.gaps;
      unsureBelow = r.data.unsure_below;
      now = -1;
      collectMarks();
      drawMarks();
      window.kvPlayerReady = true;
    }).catch((err) => kv.toast(err.message, true));
  }
  document.addEventListener("kv:edited", load); // word spans moved with the correction
  kv.player = { audio };
  load();
})();
