/* Quotes fit to publish: flags highlighted in each quote, accepted or kept from the keyboard.
   j/k quote, n/p flag, a or Enter accept, x keep as said, A accept all, e edit. After a change
   the page reloads and the same quote has the focus again. */
"use strict";
(function () {
  const kv = window.kv;
  const quotes = () => Array.from(document.querySelectorAll("section.quote"));
  const flags = () => Array.from(document.querySelectorAll("button.flag"));
  const KEY = "kvali.quotes.focus";

  function current() {
    const el = document.activeElement;
    return (el && el.closest && el.closest("section.quote")) || null;
  }

  async function send(section, what, body) {
    const id = section.dataset.coding;
    try {
      await kv.api("POST", "/api/quotes/" + id + "/" + what, body);
      sessionStorage.setItem(KEY, id);
      location.reload();
    } catch (err) {
      kv.toast(err.message, true);
    }
  }

  function flagBody(btn) {
    return { start: Number(btn.dataset.start), end: Number(btn.dataset.end) };
  }

  document.addEventListener("click", function (ev) {
    const flag = ev.target.closest("button.flag");
    if (flag) { send(flag.closest("section.quote"), "accept", flagBody(flag)); return; }
    const all = ev.target.closest("button.accept-all");
    if (all) send(all.closest("section.quote"), "accept-all");
  });

  function move(list, step) {
    if (!list.length) return;
    const here = list.indexOf(document.activeElement.closest ? document.activeElement.closest("section.quote, button.flag") : null);
    let i = here < 0 ? (step > 0 ? 0 : list.length - 1) : here + step;
    i = Math.max(0, Math.min(list.length - 1, i));
    list[i].focus();
    list[i].scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("keydown", function (ev) {
    const t = ev.target;
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (t && (t.tagName === "TEXTAREA" || t.tagName === "INPUT" || t.tagName === "SELECT")) {
      if (ev.key === "Escape") { t.blur(); const s = t.closest("section.quote"); if (s) s.focus(); }
      return;
    }
    const section = current();
    const flag = t && t.classList && t.classList.contains("flag") ? t : null;
    if (ev.key === "j" || ev.key === "k") {
      ev.preventDefault();
      const list = quotes();
      const i = section ? list.indexOf(section) : -1;
      const next = list[Math.max(0, Math.min(list.length - 1, i + (ev.key === "j" ? 1 : -1)))];
      if (next) { next.focus(); next.scrollIntoView({ block: "nearest" }); }
    } else if (ev.key === "n" || ev.key === "p") {
      ev.preventDefault();
      move(flags(), ev.key === "n" ? 1 : -1);
    } else if (ev.key === "a" && flag) {
      ev.preventDefault();
      send(section, "accept", flagBody(flag));
    } else if (ev.key === "x" && flag) {
      ev.preventDefault();
      send(section, "keep", flagBody(flag));
    } else if (ev.key === "A" && section) {
      ev.preventDefault();
      send(section, "accept-all");
    } else if (ev.key === "e" && section) {
      ev.preventDefault();
      const area = section.querySelector("textarea");
      if (area) area.focus();
    }
  });

  const back = sessionStorage.getItem(KEY);
  if (back) {
    sessionStorage.removeItem(KEY);
    const s = document.getElementById("quote-" + back);
    if (s) {
      const first = s.querySelector("button.flag");
      (first || s).focus();
      s.scrollIntoView({ block: "nearest" });
    }
  }
})();
