/* Review lists (code suggestions, candidate categories): a row's buttons decide one item, the
   toolbar decides every ticked one in a single request (all or none), then the page reloads.
   Nothing is decided without a click: the server codes a span only when it is accepted. */
"use strict";
(function () {
  const kv = window.kv;
  const holder = document.querySelector("[data-decide-api]");
  const base = holder ? holder.dataset.decideApi : "/api/suggestions";
  const picks = () => Array.from(document.querySelectorAll("input.pick"));

  async function send(url, body, button) {
    if (button) button.disabled = true;
    try {
      await kv.api("POST", url, body);
      location.reload();
    } catch (err) {
      kv.toast(err.message, true);
      if (button) button.disabled = false;
    }
  }

  document.addEventListener("click", (ev) => {
    const one = ev.target.closest("button[data-decide]");
    if (one) return send(`${base}/${one.dataset.id}/${one.dataset.decide}`, undefined, one);
    const bulk = ev.target.closest("button[data-bulk]");
    if (!bulk) return;
    const ids = picks().filter((p) => p.checked).map((p) => +p.value);
    if (!ids.length) return kv.toast(bulk.dataset.empty || "Nothing selected", true);
    const body = { ids };
    if (bulk.dataset.with) { // e.g. the merge target: <select name="into">
      const field = document.querySelector(bulk.dataset.with);
      body[field.name] = +field.value;
    }
    send(`${base}/${bulk.dataset.bulk}`, body, bulk);
  });

  const all = document.getElementById("select-all");
  if (all) all.addEventListener("change", () => picks().forEach((p) => { p.checked = all.checked; }));
})();
