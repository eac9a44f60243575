// Deploy page, "Dry run": run the chosen files on a throwaway engine (POST /api/v1/dry-run) and draw the path taken.
"use strict";
(() => {
  const button = document.getElementById("dry-run-button");
  const input = document.getElementById("deploy-files");
  const variables = document.getElementById("dry-run-variables");
  const result = document.getElementById("deploy-result");
  const diagrams = document.getElementById("deploy-diagrams");
  if (!button) return;
  const esc = (s) => String(s ?? "").replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
  const STATES = { completed: "ran to its end", waiting: "stopped, waiting", incident: "stopped at an incident", cancelled: "was cancelled" };

  button.addEventListener("click", async () => {
    const files = Array.from(input.files);
    if (!files.length) { input.focus(); return; }
    const data = new FormData();
    files.forEach((f) => data.append(f.name, f, f.name));
    if (variables.value.trim()) data.append("variables", variables.value.trim());
    result.hidden = false;
    result.innerHTML = "<p class='muted'>Running…</p>";
    diagrams.innerHTML = "";
    const response = await fetch("/api/v1/dry-run", {
      method: "POST", body: data, credentials: "same-origin", headers: { "X-CSRF-Token": sf.csrf(), Accept: "application/json" },
    });
    const body = await response.json().catch(() => ({ error: { message: response.statusText } }));
    if (!response.ok) {
      const problems = body.error?.problems || [];
      result.innerHTML = "<h2 class='error-text'>Dry run refused</h2><p>" + esc(body.error?.message) + "</p><ul class='problems'>" +
        problems.map((p) => `<li><strong>${esc(p.file)}${p.line ? ":" + p.line : ""}</strong> ${p.element_id ? "<code>" + esc(p.element_id) + "</code>" : ""}: ${esc(p.message)}</li>`).join("") + "</ul>";
      return;
    }
    result.innerHTML = `<h2 id="dry-run-state" data-state="${esc(body.state)}">Dry run: <code>${esc(body.process_id)}</code> ${esc(STATES[body.state] || body.state)}</h2>` +
      `<p class="small muted">Nothing was deployed or stored. Path: ${body.elements.map((e) => "<code>" + esc(e) + "</code>").join(" → ")}</p>` +
      (body.stops.length ? "<h3>Where and why it stopped</h3><ul id='dry-run-stops' class='problems'>" + body.stops.map((s) =>
        `<li>${s.element_id ? "<code>" + esc(s.element_id) + "</code>: " : ""}${esc(s.reason)}</li>`).join("") + "</ul>" : "") +
      (body.notes.length ? "<h3>Answered for the model</h3><ul class='small'>" + body.notes.map((n) => `<li>${esc(n)}</li>`).join("") + "</ul>" : "") +
      "<h3>Variables at the end</h3><pre id='dry-run-variables-out'>" + esc(JSON.stringify(body.variables, null, 2)) + "</pre>";
    for (const file of files) {
      const xml = await file.text();
      if (!xml.includes(`id="${body.process_id}"`)) continue;
      const panel = document.createElement("section");
      panel.className = "panel diagram-panel";
      panel.innerHTML = `<div class="diagram-toolbar"><strong>${esc(file.name)}</strong><span class="muted small">path taken in green, flows in amber, stops in red</span></div><div class="diagram deploy-diagram" id="dry-run-diagram"></div>`;
      diagrams.appendChild(panel);
      const diagram = new sf.Diagram(panel.querySelector(".diagram"));
      if (!(await diagram.load(xml))) break;
      body.elements.forEach((id) => diagram.mark(id, "sf-completed"));
      body.flows.forEach((id) => diagram.mark(id, "sf-taken"));
      body.stops.forEach((s) => { if (s.element_id) { diagram.mark(s.element_id, "sf-incident"); diagram.badge(s.element_id, "incident", "stopped", { top: -10, right: 10 }); } });
      panel.querySelector(".diagram").dataset.painted = "dry-run";
      break;
    }
  });
})();
