"""The HTML coverage report: one bpmn-js diagram per process, covered elements and flows marked."""

from __future__ import annotations

import json
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from steadyflow.testing.coverage import Coverage

STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #1f2933; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
.diagram { height: 420px; border: 1px solid #cbd2d9; border-radius: 4px; }
table { border-collapse: collapse; }
td, th { padding: .25rem .75rem; border-bottom: 1px solid #e4e7eb; text-align: left; }
.sf-covered:not(.djs-connection) .djs-visual > :nth-child(1) { stroke: #2f855a !important; fill: #c6f6d5 !important; }
.sf-covered.djs-connection .djs-visual > path { stroke: #2f855a !important; stroke-width: 3px !important; }
.sf-uncovered:not(.djs-connection) .djs-visual > :nth-child(1) { stroke: #c53030 !important; stroke-dasharray: 4 2; }
.sf-uncovered.djs-connection .djs-visual > path { stroke: #c53030 !important; stroke-dasharray: 4 2; }
.legend span { display: inline-block; padding: 0 .5rem; margin-right: .5rem; border-radius: 3px; }
"""

SCRIPT = """
const report = JSON.parse(document.getElementById('sf-coverage').textContent);
report.processes.forEach(async (process, index) => {
  const viewer = new BpmnJS({ container: '#diagram-' + index });
  try {
    await viewer.importXML(process.xml);
  } catch (err) {
    document.getElementById('diagram-' + index).textContent = 'The diagram could not be drawn: ' + err.message;
    return;
  }
  const canvas = viewer.get('canvas');
  const registry = viewer.get('elementRegistry');
  canvas.zoom('fit-viewport');
  const covered = new Set(process.covered);
  process.all.forEach((id) => {
    if (registry.get(id)) canvas.addMarker(id, covered.has(id) ? 'sf-covered' : 'sf-uncovered');
  });
  document.getElementById('diagram-' + index).dataset.ready = 'true';
});
"""


def render_html(coverage: Coverage, asset_prefix: str) -> str:
    processes = []
    rows = []
    sections = []
    for index, (process_id, process) in enumerate(sorted(coverage.processes.items())):
        shape = process.shape
        processes.append(
            {
                "id": process_id,
                "xml": shape.xml,
                "covered": sorted(process.elements | process.flows),
                "all": sorted([*shape.elements, *shape.flows]),
            }
        )
        percent = f"{process.ratio * 100:.1f} %"
        rows.append(
            f"<tr><td>{escape(shape.name)} <code>{escape(process_id)}</code></td><td>{percent}</td>"
            f"<td>{len(process.elements)} / {len(shape.elements)}</td>"
            f"<td>{len(process.flows)} / {len(shape.flows)}</td></tr>"
        )
        sections.append(
            f'<h2 id="process-{escape(process_id)}">{escape(shape.name)} — {percent}</h2>'
            f'<div class="diagram" id="diagram-{index}" data-process="{escape(process_id)}"></div>'
        )
    # JSON inside a script element: "<" escaped so no "</script>" in a model can end it.
    data = json.dumps({"processes": processes}).replace("<", "\\u003c")
    total = f"{coverage.ratio() * 100:.1f} %"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Process test coverage — {total}</title>
<link rel="stylesheet" href="{asset_prefix}/assets/diagram-js.css">
<link rel="stylesheet" href="{asset_prefix}/assets/bpmn-js.css">
<style>{STYLE}</style></head>
<body><h1>Process test coverage: <span id="total">{total}</span></h1>
<p class="legend"><span style="background:#c6f6d5">covered</span>
<span style="border:1px dashed #c53030">not covered</span></p>
<table><thead><tr><th>Process</th><th>Coverage</th><th>Elements</th><th>Flows</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table>
{"".join(sections)}
<script type="application/json" id="sf-coverage">{data}</script>
<script src="{asset_prefix}/bpmn-viewer.production.min.js"></script>
<script>{SCRIPT}</script>
</body></html>
"""
