// steadyflow UI: shortcuts, keyboard row navigation, local times, live refresh of page fragments.
"use strict";
const sf = (window.sf = window.sf || {});

sf.csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

sf.fetchJSON = async (url, options = {}) => {
  const response = await fetch(url, {
    credentials: "same-origin",
    headers: { Accept: "application/json", "X-CSRF-Token": sf.csrf(), ...(options.headers || {}) },
    ...options,
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw Object.assign(new Error(body.error?.message || response.statusText), { body, status: response.status });
  return body;
};

sf.setLive = (ok) => {
  const dot = document.getElementById("live-indicator");
  if (dot) { dot.classList.toggle("on", ok); dot.classList.toggle("off", !ok); }
};

sf.localTimes = (root = document) => {
  root.querySelectorAll("time[data-ts]").forEach((el) => {
    const d = new Date(parseFloat(el.dataset.ts) * 1000);
    el.textContent = el.dataset.ms
      ? d.toLocaleDateString() + " " + d.toLocaleTimeString([], { hour12: false }) + "." + String(d.getMilliseconds()).padStart(3, "0")
      : d.toLocaleString();
    el.title = d.toISOString();
  });
};

// Replace #live with a fresh fragment, unless someone is typing in it (then wait for blur).
sf.swapLive = async (live) => {
  const active = document.activeElement;
  if (active && live.contains(active) && /INPUT|TEXTAREA|SELECT/.test(active.tagName)) {
    active.addEventListener("blur", () => sf.swapLive(live), { once: true });
    return;
  }
  const response = await fetch(live.dataset.fragmentUrl, { credentials: "same-origin" });
  if (!response.ok) return;
  live.innerHTML = await response.text();
  sf.localTimes(live);
  sf.bindConfirm(live);
  live.dispatchEvent(new CustomEvent("sf:refreshed", { bubbles: true }));
};

// Poll the cheap change feed; refresh the page's live part when anything changed.
sf.watchChanges = (onChange, intervalMs = 1000) => {
  let token = null;
  const versions = new Map();
  const tick = async () => {
    try {
      const url = "/api/v1/changes" + (token === null ? "" : "?since=" + encodeURIComponent(token));
      const answer = await sf.fetchJSON(url);
      let changed = token !== null && answer.token !== token;
      for (const item of answer.instances) {
        if (versions.get(item.id) !== item.version) { if (token !== null) changed = true; versions.set(item.id, item.version); }
      }
      token = answer.token;
      sf.setLive(true);
      if (changed) await onChange(answer);
    } catch (err) { sf.setLive(false); }
    setTimeout(tick, intervalMs);
  };
  tick();
};

sf.bindConfirm = (root = document) => {
  root.querySelectorAll("form[data-confirm]").forEach((form) => {
    if (form.dataset.bound) return;
    form.dataset.bound = "1";
    form.addEventListener("submit", (e) => { if (!window.confirm(form.dataset.confirm)) e.preventDefault(); });
  });
};

// Keyboard: g-prefixed navigation, "/" to focus, j/k rows, "?" help.
(() => {
  let pendingG = false;
  const go = { d: "/", i: "/instances", t: "/tasks", u: "/deploy" };
  const rows = () => Array.from(document.querySelectorAll("table[data-keynav] tbody tr[data-href]"));
  const moveRow = (step) => {
    const all = rows();
    if (!all.length) return;
    const current = all.findIndex((r) => r.classList.contains("kb"));
    const next = Math.max(0, Math.min(all.length - 1, current + step));
    all.forEach((r) => r.classList.remove("kb"));
    all[next].classList.add("kb");
    all[next].scrollIntoView({ block: "nearest" });
  };
  document.addEventListener("keydown", (e) => {
    const help = document.getElementById("shortcuts");
    if (e.key === "Escape" && help && !help.hidden) { help.hidden = true; return; }
    if (e.target.closest("input, textarea, select, [contenteditable]") || e.metaKey || e.ctrlKey || e.altKey) return;
    if (pendingG) { pendingG = false; if (go[e.key]) { window.location.href = go[e.key]; e.preventDefault(); } return; }
    if (e.key === "g") { pendingG = true; setTimeout(() => (pendingG = false), 1200); return; }
    if (e.key === "?") { if (help) help.hidden = !help.hidden; return; }
    if (e.key === "/") {
      const field = document.querySelector("[data-focus-key], main input:not([type=hidden]), main select");
      if (field) { field.focus(); e.preventDefault(); }
      return;
    }
    if (e.key === "j") moveRow(1);
    if (e.key === "k") moveRow(-1);
    if (e.key === "Enter") {
      const row = document.querySelector("tr.kb[data-href]");
      if (row) window.location.href = row.dataset.href;
    }
  });
  document.addEventListener("click", (e) => {
    const row = e.target.closest("table[data-keynav] tr[data-href]");
    if (row && !e.target.closest("a, button, form, input, label, td.pick")) window.location.href = row.dataset.href;
  });
})();

document.addEventListener("DOMContentLoaded", () => {
  sf.localTimes();
  sf.bindConfirm();
  const live = document.getElementById("live");
  if (live && live.dataset.live === "changes") {
    sf.watchChanges(async () => {
      if (live.dataset.reload) { if (!document.querySelector("main :focus")) window.location.reload(); return; }
      await sf.swapLive(live);
    });
  }
});
