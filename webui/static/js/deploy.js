// Deploy page: drag and drop, upload through the API, list results, draw refused files with problems marked.
"use strict";
(() => {
  const form = document.getElementById("deploy-form");
  const input = document.getElementById("deploy-files");
  const zone = document.getElementById("dropzone");
  const chips = document.getElementById("deploy-selected");
  const result = document.getElementById("deploy-result");
  const diagrams = document.getElementById("deploy-diagrams");
  const esc = (s) => String(s ?? "").replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

  const showChosen = () => {
    chips.innerHTML = Array.from(input.files).map((f) => "<li>" + esc(f.name) + "</li>").join("");
  };
  input.addEventListener("change", showChosen);
  ["dragenter", "dragover"].forEach((t) => zone.addEventListener(t, (e) => { e.preventDefault(); zone.classList.add("over"); }));
  ["dragleave", "drop"].forEach((t) => zone.addEventListener(t, (e) => { e.preventDefault(); zone.classList.remove("over"); }));
  zone.addEventListener("drop", (e) => { input.files = e.dataTransfer.files; showChosen(); });

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const files = Array.from(input.files);
    if (!files.length) { input.focus(); return; }
    const data = new FormData();
    files.forEach((f) => data.append(f.name, f, f.name));
    result.hidden = false;
    result.innerHTML = "<p class='muted'>Deploying…</p>";
    diagrams.innerHTML = "";
    const response = await fetch("/api/v1/deployments", {
      method: "POST", body: data, credentials: "same-origin", headers: { "X-CSRF-Token": sf.csrf(), Accept: "application/json" },
    });
    const body = await response.json().catch(() => ({ error: { message: response.statusText } }));
    if (response.ok) {
      result.innerHTML = "<h2>Deployed</h2><ul class='results'>" + body.definitions.map((d) =>
        `<li class="ok"><a href="/definitions/${encodeURIComponent(d.key)}">${esc(d.name || d.key)}</a> version ${d.version} — ${d.new_version ? "new version" : "unchanged"}</li>`).join("") +
        (body.decisions || []).map((d) =>
        `<li class="ok">decision <a href="/decisions/${encodeURIComponent(d.key)}">${esc(d.name || d.key)}</a> version ${d.version} — ${d.new_version ? "new version" : "unchanged"}</li>`).join("") + "</ul>" +
        (body.warnings.length ? "<h3>Warnings</h3><ul>" + body.warnings.map((w) => `<li>${esc(w.element_id || "")} ${esc(w.message)}</li>`).join("") + "</ul>" : "");
      return;
    }
    const problems = body.error?.problems || [];
    result.innerHTML = "<h2 class='error-text'>Refused</h2><p>" + esc(body.error?.message) + "</p><ul class='problems'>" + problems.map((p) =>
      `<li><strong>${esc(p.file)}${p.line ? ":" + p.line : ""}</strong> ${p.element_id ? "<code>" + esc(p.element_id) + "</code>" : ""}: ${esc(p.message)}${p.hint ? " — <em>" + esc(p.hint) + "</em>" : ""}</li>`).join("") + "</ul>";
    for (const file of files) {
      if (file.name.toLowerCase().endsWith(".dmn")) continue;
      const mine = problems.filter((p) => !p.file || p.file === file.name);
      if (!mine.length) continue;
      const panel = document.createElement("section");
      panel.className = "panel diagram-panel";
      panel.innerHTML = `<div class="diagram-toolbar"><strong>${esc(file.name)}</strong><span class="muted small">problems marked in red</span></div><div class="diagram deploy-diagram"></div>`;
      diagrams.appendChild(panel);
      const diagram = new sf.Diagram(panel.querySelector(".diagram"));
      if (await diagram.load(await file.text())) diagram.markProblems(mine);
    }
  });
})();
