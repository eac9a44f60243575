"""FEEL values as plain JSON (history records and process variables take nothing else).

The conversion is the expressions' own (``bpmn.expressions.variable_values``), so a
decision's output and a mapping's value of the same FEEL value are stored alike.
"""

from __future__ import annotations

from bpmn.expressions.variable_values import plain

__all__ = ["plain"]
