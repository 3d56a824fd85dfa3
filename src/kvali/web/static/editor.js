/* Correcting the transcript in place: e (or a double-click) makes the turn under the caret
   editable, Enter saves through the server's edit path (codings, word times and gaps move),
   Esc cancels; Ctrl+Z / Ctrl+Shift+Z undo and redo corrections. Undo is a correction that sends
   the replaced text back, so the server's history only grows; the stack lives in this tab
   (sessionStorage) and refuses to undo over text that changed elsewhere (the version). */
"use strict";
(function () {
  const kv = window.kv;
  if (!kv.doc) return;
  const B = JSON.parse(document.getElementById("kv-boot").textContent);
  const M = B.messages;
  const $ = (id) => document.getElementById(id);
  const KEY = `kv-undo-${B.transcript_id}`;
  let version = B.version;
  let editing = null; // {t, position, before}
  let stack = { done: [], undone: [] };
  try { stack = JSON.parse(sessionStorage.getItem(KEY)) || stack; } catch (e) { /* fresh */ }

  const save = () => sessionStorage.setItem(KEY, JSON.stringify(stack));
  const state = (msg) => { $("kv-edit-state").textContent = msg || ""; };
  const positionOf = (t) => Array.prototype.indexOf.call(t.el.parentElement.children, t.el);

  function refresh() {
    $("kv-undo").disabled = !stack.done.length;
    $("kv-redo").disabled = !stack.undone.length;
  }

  function turnAtCaret() {
    const sel = document.getSelection();
    if (!sel || !sel.anchorNode) return null;
    const el = (sel.anchorNode.nodeType === 3 ? sel.anchorNode.parentElement : sel.anchorNode).closest(".turn");
    return el ? kv.doc.turnOf.get(el) : null;
  }

  function begin(t) {
    if (!t || editing) return;
    editing = { t, position: positionOf(t), before: t.p.textContent };
    t.p.contentEditable = "plaintext-only";
    t.p.classList.add("editing");
    t.p.focus();
    state(M.editing);
  }

  function cancel() {
    if (!editing) return;
    const { t, before } = editing;
    t.p.textContent = before;
    t.node = t.p.firstChild;
    end();
  }

  function end() {
    editing.t.p.contentEditable = "false";
    editing.t.p.classList.remove("editing");
    editing = null;
    state("");
  }

  async function send(position, text, reason) {
    const r = await kv.api("POST", `/api/transcripts/${B.transcript_id}/turns/${position}/text`, { text, version, reason });
    version = r.data.version;
    return r.data;
  }

  async function commit() {
    const { t, position, before } = editing;
    const after = t.p.textContent.replace(/\s+/g, " ").trim();
    try {
      const out = await send(position, after, "correction");
      end();
      kv.doc.replaced(t, out.text);
      if (out.edit) {
        stack.done.push({ position, before, after: out.text });
        stack.undone = [];
        save();
        kv.toast(M.edit_saved);
        document.dispatchEvent(new CustomEvent("kv:edited"));
      }
      refresh();
    } catch (err) { kv.toast(err.message, true); }
  }

  async function step(from, to, reason, field, msg, none) {
    if (editing) return;
    const item = stack[from].pop();
    if (!item) { kv.toast(none); return; }
    const t = kv.doc.turns[item.position];
    try {
      const out = await send(item.position, item[field], reason);
      stack[to].push(item);
      save();
      if (t) kv.doc.replaced(t, out.text);
      document.dispatchEvent(new CustomEvent("kv:edited"));
      kv.toast(msg);
    } catch (err) {
      stack[from].push(item);
      kv.toast(err.message, true);
    }
    refresh();
  }
  const undo = () => step("done", "undone", "undo", "before", M.undone, M.nothing_to_undo);
  const redo = () => step("undone", "done", "redo", "after", M.redone, M.nothing_to_redo);

  document.getElementById("turns").addEventListener("dblclick", (ev) => {
    const el = ev.target.closest(".turn");
    if (el && ev.target.closest(".tx")) begin(kv.doc.turnOf.get(el));
  });
  document.addEventListener("keydown", (ev) => {
    if (editing) {
      if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); commit(); }
      else if (ev.key === "Escape") { ev.preventDefault(); cancel(); }
      ev.stopImmediatePropagation(); // typing is text, not coding shortcuts
      return;
    }
    if (ev.target.closest("input, textarea, select")) return;
    const mod = ev.ctrlKey || ev.metaKey;
    if (mod && (ev.key === "z" || ev.key === "Z") && !ev.shiftKey) { ev.preventDefault(); undo(); }
    else if (mod && ((ev.key === "z" || ev.key === "Z") && ev.shiftKey || ev.key === "y")) { ev.preventDefault(); redo(); }
    else if (ev.key === "e" && !mod && !ev.altKey) { const t = turnAtCaret(); if (t) { ev.preventDefault(); begin(t); } }
  }, true);
  $("kv-undo").addEventListener("click", undo);
  $("kv-redo").addEventListener("click", redo);
  const checked = $("kv-checked");
  if (checked) checked.addEventListener("click", async () => {
    const ms = Math.round(kv.player.audio.currentTime * 1000);
    try {
      await kv.api("POST", `/api/interviews/${B.interview_id}/checked`, { up_to_ms: ms });
      $("kv-checked-at").textContent = M.checked.replace("{time}", kv.doc.fmtMs(ms));
    } catch (err) { kv.toast(err.message, true); }
  });
  refresh();
  window.kvEditorReady = true;
})();
