/* Framework matrix: a cell's form sets its evidence level, note and supporting passages
   (PUT), or goes back to the suggestion (DELETE); the page reloads with the new table. */
"use strict";
(function () {
  const kv = window.kv;
  document.querySelectorAll("form.evidence").forEach((form) => {
    const d = form.dataset;
    const url = `/api/frameworks/${d.framework}/evidence`;
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const body = { item: +d.item, level: form.level.value, note: form.note.value,
        coding_ids: [...form.querySelectorAll("input[name=coding_ids]:checked")].map((x) => +x.value) };
      body[d.by] = +d.column;
      try { await kv.api("PUT", url, body); location.reload(); } catch (err) { kv.toast(err.message, true); }
    });
    const reset = form.querySelector("button.reset");
    if (reset) reset.addEventListener("click", async () => {
      try { await kv.api("DELETE", `${url}?item=${d.item}&interview=${d.column}`); location.reload(); }
      catch (err) { kv.toast(err.message, true); }
    });
  });
})();
