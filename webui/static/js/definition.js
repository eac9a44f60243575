// Definition page: diagram with per-element counts (live), and the start form's variable rows.
"use strict";
(async () => {
  const container = document.getElementById("diagram");
  const diagram = new sf.Diagram(container);
  const { xml } = await sf.fetchJSON(container.dataset.xmlUrl);
  const heat = document.getElementById("heat-toggle");
  const windowSelect = document.getElementById("heat-window");
  const heatUrl = () => {
    const seconds = parseInt(windowSelect?.value || "", 10);
    const since = seconds ? "&since=" + (Date.now() / 1000 - seconds).toFixed(0) : "";
    return container.dataset.heatUrl + since;
  };
  const paint = async () => {
    if (heat?.checked) diagram.paintHeat((await sf.fetchJSON(heatUrl())).elements);
    else diagram.paintCounts((await sf.fetchJSON(container.dataset.countsUrl)).elements);
  };
  if (await diagram.load(xml)) await paint();
  document.addEventListener("sf:refreshed", () => paint().catch(() => {}));
  heat?.addEventListener("change", () => paint().catch(() => {}));
  windowSelect?.addEventListener("change", () => { if (heat?.checked) paint().catch(() => {}); });

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
