/* Split a code coding by coding: the target selectors follow the names typed above them (only
   named slots can be chosen); the split is one request, so it happens whole or not at all. */
"use strict";
(function () {
  const kv = window.kv;
  const form = document.getElementById("split-form");
  const inputs = Array.from(form.querySelectorAll("input[data-slot]"));
  const selects = Array.from(form.querySelectorAll("select[data-coding]"));

  function names() {
    return inputs.map((i) => i.value.trim());
  }

  function relabel() {
    const current = names();
    for (const select of selects) {
      for (const option of select.options) {
        const name = current[+option.value - 1];
        option.hidden = !name && option.value !== "1";
        option.disabled = option.hidden;
        if (!option.dataset.label) option.dataset.label = option.textContent;
        option.textContent = name ? `${option.dataset.label}: ${name}` : option.dataset.label;
      }
      if (select.selectedOptions[0] && select.selectedOptions[0].disabled) select.value = "1";
    }
  }
  inputs.forEach((i) => i.addEventListener("input", relabel));
  relabel();

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const all = names();
    const into = all.filter(Boolean);
    const assign = {};
    for (const select of selects) assign[select.dataset.coding] = all[+select.value - 1] || into[0];
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      await kv.api("POST", `/api/codes/${form.dataset.code}/split`, { into, assign });
      location.href = "/codebook";
    } catch (err) {
      kv.toast(err.message, true);
      button.disabled = false;
    }
  });
})();
