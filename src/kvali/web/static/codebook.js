/* The codebook by drag and drop: drag a code onto another code's "Move under" or "Merge into"
   target (shown while dragging), or onto "Top level"; the same API as the forms beside each
   code (and the CLI's services), then the page reloads. Undo takes a merge back. */
"use strict";
(function () {
  const kv = window.kv;
  const tree = document.getElementById("codebook");
  if (!tree) return;
  const L = tree.dataset;
  let dragged = null;

  function zone(kind, label, id) {
    const z = document.createElement("span");
    z.className = "drop drop-" + kind;
    z.dataset.kind = kind;
    if (id) z.dataset.target = id;
    z.textContent = label;
    return z;
  }

  const items = [...tree.querySelectorAll("li.code-active")];
  for (const li of items) {
    const name = li.querySelector("strong"); // the handle: the forms below stay for typing
    name.draggable = true;
    name.after(zone("move", L.move, li.dataset.codeId), zone("merge", L.merge, li.dataset.codeId));
  }
  const top = zone("top", L.top, "");
  tree.before(top);

  tree.addEventListener("dragstart", (ev) => {
    const li = ev.target.closest && ev.target.closest("li.code-active");
    if (!li) return;
    dragged = li;
    ev.dataTransfer.effectAllowed = "move";
    ev.dataTransfer.setData("text/plain", li.dataset.codeId);
    document.body.classList.add("kv-dragging");
    li.classList.add("dragged");
  });
  document.addEventListener("dragend", () => {
    document.body.classList.remove("kv-dragging");
    if (dragged) dragged.classList.remove("dragged");
    dragged = null;
  });
  document.addEventListener("dragover", (ev) => {
    const z = ev.target.closest && ev.target.closest(".drop");
    if (!z || !dragged || z.dataset.target === dragged.dataset.codeId) return;
    ev.preventDefault();
    ev.dataTransfer.dropEffect = "move";
    z.classList.add("over");
  });
  document.addEventListener("dragleave", (ev) => {
    const z = ev.target.closest && ev.target.closest(".drop");
    if (z) z.classList.remove("over");
  });
  document.addEventListener("drop", async (ev) => {
    const z = ev.target.closest && ev.target.closest(".drop");
    if (!z || !dragged) return;
    ev.preventDefault();
    const id = dragged.dataset.codeId, target = z.dataset.target;
    try {
      if (z.dataset.kind === "merge") await kv.api("POST", `/api/codes/${id}/merge`, { into: +target });
      else await kv.api("POST", `/api/codes/${id}/move`, { parent: target ? +target : null });
      location.reload();
    } catch (err) { kv.toast(err.message, true); }
  });
})();
