// Decision page: draw the decision with dmn-js and mark the rules the chosen evaluation matched.
"use strict";
(() => {
  const data = JSON.parse(document.getElementById("dmn-data").textContent);
  const container = document.getElementById("dmn-view");
  if (!window.DmnJS || !container) return;
  const viewer = new window.DmnJS({ container });
  const mark = () => {
    const matched = new Set(data.matched);
    container.querySelectorAll("[data-row-id]").forEach((cell) => {
      if (matched.has(cell.getAttribute("data-row-id"))) cell.closest("tr")?.classList.add("sf-matched-rule");
    });
    container.dataset.ready = "true";
  };
  viewer.importXML(data.xml).then(() => {
    const view = viewer.getViews().find((v) => v.element.id === data.decision && v.type !== "drd");
    if (!view) { container.dataset.ready = "true"; return; }
    viewer.open(view).then(() => requestAnimationFrame(mark));
  }).catch((error) => {
    container.textContent = "The decision cannot be drawn: " + error.message;
    container.dataset.ready = "true";
  });
})();
