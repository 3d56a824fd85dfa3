/* Disagreement review: each item's form resolves it to take A, take B, a custom coding or
   «not coded», with the memo; the page reloads so the history tab shows both versions. */
"use strict";
(function () {
  const kv = window.kv;
  const ids = (s) => (s ? s.split(",").map(Number) : []);
  document.querySelectorAll("form.resolve").forEach((form) => {
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const take = form.take.value;
      const body = { replace: ids(form.dataset.replace), take: [], memo: form.memo.value };
      if (take === "a") body.take = ids(form.dataset.a);
      else if (take === "b") body.take = ids(form.dataset.b);
      else if (take === "custom") {
        body.code = +form.code.value; body.start = +form.start.value; body.end = +form.end.value;
      }
      const button = form.querySelector("button");
      button.disabled = true;
      try {
        await kv.api("POST", `/api/interviews/${form.dataset.interview}/review/resolve`, body);
        location.reload();
      } catch (err) { kv.toast(err.message, true); button.disabled = false; }
    });
  });
})();
