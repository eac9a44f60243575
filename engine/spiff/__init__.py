"""The engine's SpiffWorkflow adapter: the only engine package that imports SpiffWorkflow.

It turns a live ``BpmnWorkflow`` into rows (only the rows that changed since the
last checkpoint), rebuilds a workflow from rows, and applies triggers (job done,
BPMN error, timer due) to a live workflow.
"""
