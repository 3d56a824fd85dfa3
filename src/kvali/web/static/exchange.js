/* REFI-QDA import: send the file, then show what was imported (counts) and what was not
   (warnings) on the page instead of reloading; an error leaves the study as it was. */
"use strict";
(function () {
  const kv = window.kv;
  const form = document.getElementById("import-form");
  const box = document.getElementById("import-result");
  const field = (name) => box.querySelector(`[data-field="${name}"]`);

  function show(result) {
    field("file").textContent = result.file;
    const counts = field("counts");
    counts.replaceChildren();
    for (const [key, value] of Object.entries(result.counts)) {
      if (key.endsWith("_in_file")) continue; // what the file held; the rest is what was written
      const div = document.createElement("div");
      const dt = document.createElement("dt");
      const dd = document.createElement("dd");
      dt.textContent = key.replace(/_/g, " ");
      dd.textContent = value;
      div.append(dt, dd);
      counts.append(div);
    }
    const list = field("warnings");
    list.replaceChildren(...result.warnings.map((w) => {
      const li = document.createElement("li");
      li.textContent = w;
      return li;
    }));
    field("n-warnings").textContent = result.warnings.length;
    box.hidden = false;
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      const { data } = await kv.api("POST", "/api/exchange/import", new FormData(form));
      show(data);
      kv.toast(form.dataset.done || "OK");
    } catch (err) {
      kv.toast(err.message, true);
    } finally {
      button.disabled = false;
    }
  });
})();
