// bpmn-js NavigatedViewer wrapper: load a diagram, paint instance state, counts and deploy problems.
"use strict";
(() => {
  const sf = (window.sf = window.sf || {});
  const MARKERS = ["sf-active", "sf-completed", "sf-incident", "sf-problem", "sf-taken", "sf-heat-1", "sf-heat-2", "sf-heat-3", "sf-heat-4", "sf-heat-5"];

  sf.Diagram = class {
    constructor(container) {
      this.container = container;
      this.viewer = window.BpmnJS ? new window.BpmnJS({ container }) : null;
      this.marked = new Set();
      if (!this.viewer) container.innerHTML = '<p class="note">The diagram viewer (bpmn-js) is not installed; run <code>make run</code>.</p>';
      document.addEventListener("keydown", (e) => {
        if (!this.viewer || e.target.closest("input, textarea, select")) return;
        const canvas = this.viewer.get("canvas");
        if (e.key === "0") canvas.zoom("fit-viewport", "auto");
        if (e.key === "+" || e.key === "=") canvas.zoom(canvas.zoom() * 1.2);
        if (e.key === "-") canvas.zoom(canvas.zoom() / 1.2);
      });
    }

    async load(xml) {
      if (!this.viewer) return false;
      try {
        await this.viewer.importXML(xml);
        this.viewer.get("canvas").zoom("fit-viewport", "auto");
        this.container.dataset.loaded = "1";
        return true;
      } catch (err) {
        this.container.innerHTML = '<p class="note">This diagram cannot be drawn: ' + String(err.message || err).replace(/</g, "&lt;") + "</p>";
        return false;
      }
    }

    has(id) { return !!this.viewer && !!this.viewer.get("elementRegistry").get(id); }

    clear() {
      if (!this.viewer) return;
      const canvas = this.viewer.get("canvas");
      for (const id of this.marked) for (const m of MARKERS) canvas.removeMarker(id, m);
      this.marked.clear();
      this.viewer.get("overlays").remove({ type: "sf" });
    }

    mark(id, marker) {
      if (!this.has(id)) return;
      this.viewer.get("canvas").addMarker(id, marker);
      this.marked.add(id);
    }

    badge(id, kind, text, position) {
      if (!this.has(id)) return;
      const el = document.createElement("div");
      el.className = "sf-badge " + kind;
      el.dataset.element = id;
      el.dataset.kind = kind;
      el.textContent = text;
      this.viewer.get("overlays").add(id, "sf", { position, html: el });
    }

    // Instance view: element -> active / completed / incidents (from the instance detail).
    paintInstance(data) {
      this.clear();
      const counts = data.element_counts || {};
      for (const [id, c] of Object.entries(counts)) {
        if (c.incidents) { this.mark(id, "sf-incident"); this.badge(id, "incident", "⚠ " + c.incidents, { top: -10, right: 10 }); }
        else if (c.active) { this.mark(id, "sf-active"); this.badge(id, "active", String(c.active), { bottom: 10, left: -8 }); }
        else if (c.completed) this.mark(id, "sf-completed");
      }
      for (const id of data.taken_flows || []) this.mark(id, "sf-taken");
      // A call activity links the child process (and version) it runs, as Cockpit's drill-down overlay does.
      for (const [id, calls] of Object.entries(data.calls || {})) {
        if (!this.has(id)) continue;
        const el = document.createElement("div");
        el.className = "sf-call";
        el.dataset.element = id;
        for (const call of calls) {
          const link = document.createElement("a");
          link.href = call.url;
          link.textContent = "↳ " + call.label;
          el.append(link, " ");
        }
        this.viewer.get("overlays").add(id, "sf", { position: { bottom: -4, left: 0 }, html: el });
      }
      this.container.dataset.painted = String(data.version);
    }

    // Definition view: Cockpit-style badges with counts over many instances.
    paintCounts(elements) {
      this.clear();
      for (const [id, c] of Object.entries(elements)) {
        if (c.active) this.badge(id, "active", String(c.active), { bottom: 10, left: -8 });
        if (c.incidents) { this.badge(id, "incident", String(c.incidents), { bottom: 10, right: 10 }); this.mark(id, "sf-incident"); }
        if (c.completed) this.badge(id, "completed", String(c.completed), { top: -10, right: 10 });
      }
      this.container.dataset.painted = "counts";
    }

    // Heatmap: per element how many activity instances completed, shaded by share of the busiest.
    paintHeat(elements) {
      this.clear();
      const most = Math.max(1, ...Object.values(elements).map((h) => h.count));
      const ms = (v) => (v < 1000 ? Math.round(v) + " ms" : v < 60000 ? (v / 1000).toFixed(1) + " s" : (v / 60000).toFixed(1) + " min");
      for (const [id, h] of Object.entries(elements)) {
        if (!this.has(id)) continue;
        this.mark(id, "sf-heat-" + Math.max(1, Math.ceil((5 * h.count) / most)));
        this.badge(id, "heat", String(h.count), { top: -10, right: 10 });
        const summary = "avg " + ms(h.avgMs) + " · p95 " + ms(h.p95Ms);
        const shown = this.container.querySelector(`.sf-badge.heat[data-element="${CSS.escape(id)}"]`);
        if (shown) shown.title = h.count + " completed · " + summary;
        const type = this.viewer.get("elementRegistry").get(id).type || "";
        if (!/Task|SubProcess|CallActivity/.test(type)) continue;  // events and gateways: the badge's title says it
        const note = document.createElement("div");
        note.className = "sf-heat-note";
        note.dataset.element = id;
        note.textContent = summary;
        this.viewer.get("overlays").add(id, "sf", { position: { bottom: -4, left: 0 }, html: note });
      }
      this.container.dataset.painted = "heat";
    }

    // Deploy view: problems on the elements they name.
    markProblems(problems) {
      for (const p of problems) {
        if (!p.element_id || !this.has(p.element_id)) continue;
        this.mark(p.element_id, "sf-problem");
        const el = document.createElement("div");
        el.className = "sf-problem-note";
        el.textContent = p.message;
        this.viewer.get("overlays").add(p.element_id, "sf", { position: { bottom: -6, left: 0 }, html: el });
      }
    }
  };
})();
