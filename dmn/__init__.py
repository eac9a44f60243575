"""DMN 1.1-1.5 decisions for steadyflow, evaluated with our own FEEL interpreter.

Layer: ``bpmn`` <- ``dmn`` <- ``engine``. Pure: no database, no Flask, no SpiffWorkflow.
Parse once (at deploy time), evaluate many times; parsed models are immutable::

    model = parse_decisions(xml_bytes, "dish.dmn")
    result = evaluate_decision(model, "dish", {"season": "Fall", "guests": 4})
    result.value        # the DMN result: "Spareribs"
    result.results      # Camunda's result list: [{"desiredDish": "Spareribs"}]
    result.evaluations  # per decision of the DRG: inputs, matched rules, outputs

Parsing raises only ModelValidationError (each problem names decision, rule, cell and
line); evaluating raises DecisionEvaluationError (names decision and input or cell) or
NotFoundError for an unknown decision id.
"""

from __future__ import annotations

from dmn.evaluation import DecisionEvaluation, DecisionResult, evaluate_decision
from dmn.model import Decision, DecisionModel, DecisionTable
from dmn.parser import parse_decisions
from dmn.plain import plain
from dmn.result_mapping import RESULT_MAPPINGS, map_result
from dmn.xml_reader import is_dmn

__all__ = [
    "RESULT_MAPPINGS",
    "Decision",
    "DecisionEvaluation",
    "DecisionModel",
    "DecisionResult",
    "DecisionTable",
    "evaluate_decision",
    "is_dmn",
    "map_result",
    "parse_decisions",
    "plain",
]
