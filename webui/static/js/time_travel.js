// Time travel on the instance page: pick a step (slider, step buttons, play) and the diagram, the
// step's events and the variables show the instance as it was right after it; rewind from there.
"use strict";
(() => {
  const panel = document.getElementById("time-travel");
  if (!panel) return;
  const slider = document.getElementById("scrubber");
  const label = document.getElementById("step-label");
  const detail = document.getElementById("step-detail");
  const events = document.getElementById("step-events");
  const variables = document.querySelector("#step-variables tbody");
  const rewind = document.getElementById("rewind-form");
  const liveButton = document.getElementById("step-live");
  const play = document.getElementById("step-play");
  let steps = parseInt(panel.dataset.steps, 10);
  let timer = null;
  let wanted = 0;

  const text = (tag, value, cls) => { const el = document.createElement(tag); el.textContent = value; if (cls) el.className = cls; return el; };
  const when = (ts) => { const d = new Date(ts * 1000); return d.toLocaleTimeString([], { hour12: false }) + "." + String(d.getMilliseconds()).padStart(3, "0"); };

  const backToNow = () => {
    sf.travelling = false;
    slider.value = String(steps);
    label.textContent = `Step ${steps} of ${steps} · now`;
    detail.hidden = true;
    if (rewind) rewind.hidden = true;
    liveButton.disabled = true;
    panel.dataset.showing = "now";
    const data = JSON.parse(document.getElementById("instance-data")?.textContent || "{}");
    if (sf.instanceDiagram && data.element_counts) sf.instanceDiagram.paintInstance(data);
  };

  const show = async (step) => {
    step = Math.max(1, Math.min(steps, step));
    slider.value = String(step);
    if (step === steps && !timer) { backToNow(); return; }
    wanted = step;
    sf.travelling = true;
    liveButton.disabled = false;
    const past = await sf.fetchJSON(panel.dataset.stepUrl.replace("STEP", String(step)));
    if (wanted !== step) return;  // a later pick overtook this answer
    const names = past.names || {};
    label.textContent = `Step ${step} of ${steps} · ${when(past.at)} · instance ${past.instance.state}`;
    events.replaceChildren(...past.step_events.map((e) => {
      const li = text("li", "");
      li.dataset.type = e.type;
      li.append(text("code", e.type), " ");
      if (e.element_id) li.append(e.label || names[e.element_id] || e.element_id);  // label: a called child's own name
      return li;
    }));
    variables.replaceChildren(...Object.keys(past.variables).sort().map((name) => {
      const tr = document.createElement("tr");
      tr.dataset.name = name;
      tr.append(text("td", ""), text("td", ""));
      tr.children[0].append(text("code", name));
      tr.children[1].append(text("code", JSON.stringify(past.variables[name]), "wrap"));
      return tr;
    }));
    detail.hidden = false;
    if (rewind) { rewind.hidden = step >= steps; document.getElementById("rewind-step").value = String(step); }
    panel.dataset.showing = String(step);
    sf.instanceDiagram?.paintInstance({ ...past, version: "step-" + step });
  };

  const stop = () => { if (timer) clearInterval(timer); timer = null; play.textContent = "Play"; };
  slider.addEventListener("input", () => { stop(); show(parseInt(slider.value, 10)).catch(() => {}); });
  document.getElementById("step-first").addEventListener("click", () => { stop(); show(1).catch(() => {}); });
  document.getElementById("step-back").addEventListener("click", () => { stop(); show(parseInt(slider.value, 10) - 1).catch(() => {}); });
  document.getElementById("step-forward").addEventListener("click", () => { stop(); show(parseInt(slider.value, 10) + 1).catch(() => {}); });
  liveButton.addEventListener("click", () => { stop(); backToNow(); });
  play.addEventListener("click", () => {
    if (timer) { stop(); return; }
    if (parseInt(slider.value, 10) >= steps) slider.value = "1";
    play.textContent = "Pause";
    const next = () => {
      const step = parseInt(slider.value, 10);
      if (step >= steps) { stop(); backToNow(); return; }
      show(step + 1).catch(stop);
    };
    show(parseInt(slider.value, 10)).catch(stop);
    timer = setInterval(next, 800);
  });
  document.addEventListener("sf:instance-version", (e) => {
    const atNow = !sf.travelling;
    steps = e.detail.version;
    slider.max = String(steps);
    if (atNow) { slider.value = String(steps); label.textContent = `Step ${steps} of ${steps} · now`; }
  });
})();
