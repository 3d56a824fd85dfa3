/* Transcription: upload a recording (which starts a background job), then poll each unfinished
   job for done/total/message and the time left until it is done or failed. */
"use strict";
(function () {
  const kv = window.kv;
  const M = JSON.parse(document.getElementById("kv-msgs").textContent);
  const fmt = (s) => (s == null ? "–" : s >= 90 ? Math.round(s / 60) + " min" : Math.round(s) + " s");
  async function poll(row) {
    try {
      const j = (await kv.api("GET", `/api/jobs/${row.dataset.job}`)).data;
      row.dataset.status = j.status;
      row.querySelector(".st").textContent = (M[j.status] || j.status) + (j.error ? " — " + j.error : "");
      row.querySelector("progress").value = j.fraction || (j.status === "done" ? 1 : 0);
      row.querySelector(".msg").textContent = j.message || "";
      row.querySelector(".eta").textContent = fmt(j.eta_s);
    } catch (err) { /* try again on the next tick */ }
  }
  setInterval(() => {
    document.querySelectorAll("#jobs tr[data-job]").forEach((row) => {
      if (row.dataset.status === "queued" || row.dataset.status === "running") poll(row);
    });
  }, 1000);
  const form = document.getElementById("audio-form");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const data = new FormData(form);
    const iid = data.get("interview");
    data.delete("interview");
    for (const k of ["language", "speakers", "model"]) if (!data.get(k)) data.delete(k);
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      await kv.api("POST", `/api/interviews/${iid}/audio`, data);
      kv.toast(M.started);
      location.reload();
    } catch (err) { kv.toast(err.message, true); button.disabled = false; }
  });
})();
