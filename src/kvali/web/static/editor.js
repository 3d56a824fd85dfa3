/* Correcting the transcript in place: e (or a double-click) makes the turn under the caret
   editable, Enter saves through the server's edit path (codings, word times and gaps move),
   Esc cancels. Undo and redo (the buttons, Ctrl+Z / Ctrl+Shift+Z) are the server's, one
   mechanism for codings and corrections alike (POST /api/undo, /api/redo on the event log):
   the answer says which turn's text or which codings to redraw. s (or a click on a turn's
   speaker) gives the whole turn to another speaker: one action, and the talk statistics follow
   (the server joins it with a neighbouring turn of the same speaker, so the page reloads). */
"use strict";
(function () {
  const kv = window.kv;
  if (!kv.doc) return;
  const B = JSON.parse(document.getElementById("kv-boot").textContent);
  const M = B.messages;
  const $ = (id) => document.getElementById(id);
  let version = B.version;
  let editing = null; // {t, position, before}

  const state = (msg) => { $("kv-edit-state").textContent = msg || ""; };
  const positionOf = (t) => Array.prototype.indexOf.call(t.el.parentElement.children, t.el);

  /* The buttons say what undo and redo would do now (the server's stacks, per researcher). */
  async function refresh() {
    try {
      const r = await kv.api("GET", "/api/undo");
      show(r.data);
    } catch (err) { /* the buttons stay as they were */ }
  }
  function show(st) {
    for (const [id, what, label] of [["kv-undo", st.undo, M.undo], ["kv-redo", st.redo, M.redo]]) {
      $(id).disabled = !what;
      $(id).title = what ? `${label}: ${what}` : label;
    }
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
        kv.toast(M.edit_saved);
        document.dispatchEvent(new CustomEvent("kv:edited"));
      }
      refresh();
    } catch (err) { kv.toast(err.message, true); }
  }

  async function step(direction) {
    if (editing) return;
    try {
      const r = await kv.api("POST", "/api/" + direction);
      const d = r.data;
      if (d.version !== undefined && d.version !== null && d.transcript_id === B.transcript_id) {
        version = d.version;
        const t = kv.doc.turns[d.position];
        if (t) kv.doc.replaced(t, d.text);
        document.dispatchEvent(new CustomEvent("kv:edited"));
      } else if (d.kind) kv.doc.refresh();
      kv.toast(d.message, !d.kind);
      show(d);
    } catch (err) {
      kv.toast(err.message, true);
      refresh();
    }
  }
  const undo = () => step("undo");
  const redo = () => step("redo");

  /* The speaker of a turn: a select in place of its label (every speaker of the transcript,
     or a new name), Enter or a change of choice gives the turn to that speaker. */
  function pickSpeaker(t) {
    if (!t || editing || document.querySelector(".kv-speaker-pick")) return;
    const label = t.el.querySelector(".spk");
    const current = label.textContent;
    const names = [...new Set([...document.querySelectorAll("#turns .spk")].map((e) => e.textContent))];
    const sel = document.createElement("select");
    sel.className = "kv-speaker-pick";
    sel.setAttribute("aria-label", M.speaker_of_turn);
    for (const n of [...names, ""]) {
      const o = document.createElement("option");
      o.value = n;
      o.textContent = n || M.new_speaker;
      o.selected = n === current;
      sel.append(o);
    }
    label.hidden = true;
    label.after(sel);
    state(M.speaker_of_turn);
    sel.focus();
    const close = () => { sel.remove(); label.hidden = false; state(""); };
    const give = async () => {
      let name = sel.value;
      if (!name) name = (window.prompt(M.new_speaker_name) || "").trim();
      if (!name || name === current) { close(); return; }
      try {
        await kv.api("POST", `/api/transcripts/${B.transcript_id}/turns/${positionOf(t)}/speaker`, { speaker: name });
        location.reload();
      } catch (err) { kv.toast(err.message, true); close(); }
    };
    sel.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter") { ev.preventDefault(); give(); }
      else if (ev.key === "Escape") { ev.preventDefault(); close(); }
      ev.stopPropagation();
    });
    sel.addEventListener("change", () => { if (sel.value !== current) give(); });
    sel.addEventListener("blur", () => setTimeout(() => { if (sel.isConnected) close(); }, 200));
  }

  document.getElementById("turns").addEventListener("click", (ev) => {
    const spk = ev.target.closest(".spk");
    if (spk) pickSpeaker(kv.doc.turnOf.get(spk.closest(".turn")));
  });
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
    else if (ev.key === "s" && !mod && !ev.altKey) { const t = turnAtCaret(); if (t) { ev.preventDefault(); pickSpeaker(t); } }
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
  document.addEventListener("kv:changed", refresh);
  refresh();
  window.kvEditorReady = true;
})();
