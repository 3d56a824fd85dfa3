/* kvali workbench: shared helpers. Forms with data-api are sent as JSON to the API, then the
   page reloads (or goes to data-next); errors appear in the status line, nothing is lost. */
"use strict";
(function () {
  const kv = (window.kv = window.kv || {});
  const toastEl = () => document.getElementById("toast");
  let toastTimer = null;

  kv.toast = function (message, isError) {
    const el = toastEl();
    if (!el) return;
    el.textContent = message;
    el.className = isError ? "show error" : "show";
    el.setAttribute("role", isError ? "alert" : "status");
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { el.className = ""; }, isError ? 8000 : 2500);
  };

  function serverMs(response) {
    const m = /dur=([\d.]+)/.exec(response.headers.get("Server-Timing") || "");
    return m ? parseFloat(m[1]) : null;
  }

  /* fetch JSON; rejects with the server's error message. */
  kv.api = async function (method, url, body) {
    const opts = { method, headers: { Accept: "application/json" }, credentials: "same-origin" };
    if (body instanceof FormData) opts.body = body;
    else if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    const t0 = performance.now();
    let response, data;
    for (let attempt = 0; attempt < 3; attempt++) { // 409: another tab won a race; nothing was written
      response = await fetch(url, opts);
      data = null;
      try { data = await response.json(); } catch (e) { data = null; }
      if (response.status !== 409) break;
      await new Promise((ok) => setTimeout(ok, 150 * (attempt + 1)));
    }
    if (!response.ok) throw new Error((data && data.error) || response.status + " " + response.statusText);
    return { data, serverMs: serverMs(response), clientMs: performance.now() - t0 };
  };

  function formBody(form) {
    if (form.dataset.multipart) return new FormData(form);
    const out = {};
    for (const [k, v] of new FormData(form).entries()) {
      if (typeof v === "string" && v.trim() === "") continue; // empty = not given
      out[k] = v;
    }
    return out;
  }

  /* data-api-template names form fields in braces: "/api/interviews/{interview}/blind". */
  function apiUrl(form) {
    if (!form.dataset.apiTemplate) return form.dataset.api;
    return form.dataset.apiTemplate.replace(/\{(\w+)\}/g, (_, name) =>
      encodeURIComponent(form.elements[name] ? form.elements[name].value : ""));
  }

  /* Server data that used to sit in style attributes (not allowed by the CSP): tree depth and
     code colours, set through the CSSOM, which style-src does not restrict. */
  function applyStyleData(root) {
    root.querySelectorAll("[data-depth]").forEach((el) => el.style.setProperty("--depth", el.dataset.depth));
    root.querySelectorAll("[data-color]").forEach((el) => { el.style.background = el.dataset.color; });
  }
  kv.applyStyleData = applyStyleData;
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => applyStyleData(document));
  else applyStyleData(document);

  document.addEventListener("submit", async function (ev) {
    const form = ev.target.closest("form[data-api]");
    if (!form) return;
    ev.preventDefault();
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
    const button = form.querySelector("button");
    if (button) button.disabled = true;
    try {
      await kv.api(form.dataset.method || "POST", apiUrl(form), formBody(form));
      if (form.dataset.next) location.href = form.dataset.next;
      else location.reload();
    } catch (err) {
      kv.toast(err.message, true);
      if (button) button.disabled = false;
    }
  });
})();
