// Instances page: tick rows for a batch retry or cancel; the header box ticks the whole page.
"use strict";
(() => {
  const all = document.getElementById("pick-all");
  const count = document.getElementById("batch-count");
  if (!all || !count) return;
  const boxes = () => Array.from(document.querySelectorAll('input[name="ids"][form="batch-form"]'));
  const show = () => {
    const ticked = boxes().filter((b) => b.checked).length;
    count.textContent = ticked ? `${ticked} ticked:` : "Tick instances to act on several at once:";
    document.getElementById("batch-retry").disabled = !ticked;
    document.getElementById("batch-cancel").disabled = !ticked;
  };
  all.addEventListener("change", () => {
    boxes().forEach((b) => (b.checked = all.checked));
    show();
  });
  document.addEventListener("change", (e) => {
    if (e.target.matches('input[name="ids"]')) show();
  });
  show();
})();
