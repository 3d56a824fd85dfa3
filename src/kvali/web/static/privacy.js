/* Pseudonymization review: a name decided everywhere, bulk decisions from a minimum score, a
   missed name added by selecting it in the transcript, apply and the key. Passphrases go only
   in a JSON body and the fields are emptied after every try: the page keeps no copy. */
"use strict";
(function () {
  const kv = window.kv;

  async function post(url, body, button) {
    if (button) button.disabled = true;
    try {
      return (await kv.api("POST", url, body)).data;
    } catch (err) {
      kv.toast(err.message, true);
      return null;
    } finally {
      if (button) button.disabled = false;
    }
  }

  /* Accept / reject a name everywhere; all pending from a minimum score. */
  document.addEventListener("click", async (ev) => {
    const ent = ev.target.closest("button[data-entity-decide]");
    if (ent) {
      const url = `/api/privacy/entities/${ent.dataset.entity}/${ent.dataset.entityDecide}`;
      if (await post(url, undefined, ent)) location.reload();
      return;
    }
    const bulk = ev.target.closest("button[data-bulk-status]");
    if (!bulk) return;
    const score = bulk.form.elements.min_score;
    if (!score.reportValidity()) return;
    const body = { all: true, min_score: parseFloat(score.value) };
    if (await post(`/api/privacy/suggestions/${bulk.dataset.bulkStatus}`, body, bulk)) location.reload();
  });

  /* Selection in the transcript view → code-point offsets (the server counts code points). */
  const text = document.getElementById("pz-text");
  const selForm = document.getElementById("pz-span-select");
  if (text && selForm) {
    const shown = document.getElementById("pz-selected");
    const cpBefore = (node, offset) => {
      const r = document.createRange();
      r.setStart(text, 0);
      r.setEnd(node, offset);
      const s = r.toString();
      return kv.unitsToCp(s, s.length);
    };
    document.addEventListener("selectionchange", () => {
      const sel = window.getSelection();
      if (!sel.rangeCount || sel.isCollapsed) return;
      const range = sel.getRangeAt(0);
      if (!text.contains(range.startContainer) || !text.contains(range.endContainer)) return;
      const raw = range.toString();
      const lead = raw.length - raw.trimStart().length;
      const picked = raw.trim();
      if (!picked) return;
      const start = cpBefore(range.startContainer, range.startOffset) + kv.unitsToCp(raw, lead);
      selForm.elements.start.value = start;
      selForm.elements.end.value = start + kv.unitsToCp(picked, picked.length);
      shown.textContent = picked;
    });
    selForm.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const f = selForm.elements;
      if (f.start.value === "") return kv.toast(selForm.dataset.empty, true);
      const body = { interview: +f.interview.value, start: +f.start.value, end: +f.end.value,
        label: f.label.value };
      if (f.category.value.trim()) body.category = f.category.value.trim();
      if (await post("/api/privacy/spans", body, selForm.querySelector("button"))) location.reload();
    });
  }

  /* Apply: the result counts stay on the page; the passphrase fields are always emptied. */
  const applyForm = document.getElementById("pz-apply");
  if (applyForm) applyForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = applyForm.elements;
    const clear = () => { f.passphrase.value = ""; if (f.repeat) f.repeat.value = ""; };
    if (f.repeat && f.repeat.value !== f.passphrase.value) {
      clear();
      return kv.toast(applyForm.dataset.mismatch, true);
    }
    const body = { style: f.style.value, min_score: parseFloat(f.min_score.value),
      passphrase: f.passphrase.value };
    clear();
    const out = await post("/api/privacy/apply", body, applyForm.querySelector("button"));
    if (!out) return;
    const box = document.getElementById("pz-apply-result");
    box.querySelectorAll("[data-count]").forEach((dd) => { dd.textContent = out[dd.dataset.count]; });
    box.hidden = false;
    kv.toast(applyForm.dataset.done);
  });

  /* Show the key: built with textContent (originals are data, never markup). */
  const keyForm = document.getElementById("pz-key-show");
  if (keyForm) keyForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const field = keyForm.elements.passphrase;
    const body = { passphrase: field.value };
    field.value = "";
    const out = await post("/api/privacy/key", body, keyForm.querySelector("button"));
    if (!out) return;
    const table = document.getElementById("pz-key");
    const tbody = table.querySelector("tbody");
    tbody.replaceChildren();
    for (const e of out.entries) {
      const tr = tbody.insertRow();
      for (const k of ["label", "category", "original", "replacement"]) tr.insertCell().textContent = e[k] ?? "";
    }
    table.hidden = false;
  });
})();
