// Definition page: diagram with per-element counts (live), and the start form's variable rows.
"use strict";
(async () => {
  const container = document.getElementById("diagram");
  const diagram = new sf.Diagram(container);
  const { xml } = await sf.fetchJSON(container.dataset.xmlUrl);
  const paint = async () => diagram.paintCounts((await sf.fetchJSON(container.dataset.countsUrl)).elements);
  if (await diagram.load(xml)) await paint();
  document.addEventListener("sf:refreshed", () => paint().catch(() => {}));

  const rows = document.querySelector("#var-rows tbody");
  document.getElementById("add-var")?.addEventListener("click", () => {
    const row = rows.querySelector(".var-row").cloneNode(true);
    row.querySelectorAll("input").forEach((i) => (i.value = ""));
    rows.appendChild(row);
    row.querySelector("input").focus();
  });
  rows?.addEventListener("click", (e) => {
    if (!e.target.classList.contains("remove-row")) return;
    const row = e.target.closest("tr");
    if (rows.children.length > 1) row.remove(); else row.querySelectorAll("input").forEach((i) => (i.value = ""));
  });
})();
