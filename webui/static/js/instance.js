// Instance page: draw the diagram, then poll the instance's version and refresh when it changes.
"use strict";
(async () => {
  const container = document.getElementById("diagram");
  const live = document.getElementById("live");
  const diagram = new sf.Diagram(container);
  const readData = () => JSON.parse(document.getElementById("instance-data")?.textContent || "{}");
  const { xml } = await sf.fetchJSON(container.dataset.xmlUrl);
  sf.instanceDiagram = diagram;
  if (await diagram.load(xml)) diagram.paintInstance(readData());
  let version = parseInt(live.dataset.version, 10);
  const tick = async () => {
    try {
      const head = await sf.fetchJSON(container.dataset.headUrl);
      sf.setLive(true);
      if (head.version !== version) {
        await sf.swapLive(live);
        const data = readData();
        if (data.version !== undefined) version = data.version;
        if (!sf.travelling) diagram.paintInstance(data);  // time travel draws its own step meanwhile
        document.dispatchEvent(new CustomEvent("sf:instance-version", { detail: { version, data } }));
        const badge = document.getElementById("instance-state");
        const fresh = live.querySelector(".facts dd .state");
        if (badge && fresh) badge.innerHTML = fresh.outerHTML;
      }
    } catch (err) { sf.setLive(false); }
    setTimeout(tick, 1000);
  };
  setTimeout(tick, 1000);
  // Durations of running activities (and of the instance) keep counting between refreshes.
  const format = (s) => (s < 1 ? Math.round(s * 1000) + " ms" : s < 60 ? s.toFixed(1) + " s"
    : new Date(Math.round(s) * 1000).toISOString().substring(11, 19).replace(/^00:/, "0:"));
  const countDurations = () => {
    const now = Date.now() / 1000;
    document.querySelectorAll(".duration[data-started]:not([data-ended])").forEach((el) => {
      el.textContent = format(Math.max(0, now - parseFloat(el.dataset.started)));
    });
  };
  setInterval(countDurations, 500);
})();
