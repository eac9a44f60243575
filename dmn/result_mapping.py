"""Camunda 7's ``camunda:mapDecisionResult``: how a decision result becomes one process variable."""

from __future__ import annotations

from typing import Any

from dmn.evaluation import DecisionResult
from dmn.plain import plain
from steadyflow.errors import DecisionEvaluationError

RESULT_MAPPINGS = ("resultList", "singleResult", "singleEntry", "collectEntries")


def map_result(result: DecisionResult, mapping: str | None) -> Any:
    """The variable's value for Camunda 7's mapping (``resultList`` when none is named), as plain JSON.

    ``None`` as mapping with ``dmn`` style means Camunda 8: the decision's own DMN value.
    """
    rows = plain(result.results)
    where = f"decision '{result.decision_id}'"
    if mapping == "dmn":
        return plain(result.value)
    if mapping in (None, "resultList"):
        return rows
    if mapping == "collectEntries":
        if any(len(row) > 1 for row in rows):
            raise DecisionEvaluationError(
                result.decision_id,
                where,
                f"mapDecisionResult collectEntries needs one output per rule, the result has {len(rows[0])}; "
                "use resultList",
            )
        return [next(iter(row.values())) for row in rows]
    if len(rows) > 1:
        raise DecisionEvaluationError(
            result.decision_id,
            where,
            f"mapDecisionResult {mapping} needs at most one matched rule, {len(rows)} matched; "
            "use collectEntries or resultList, or a single-hit policy",
        )
    if not rows:
        return None
    if mapping == "singleResult":
        return rows[0]
    if len(rows[0]) > 1:
        raise DecisionEvaluationError(
            result.decision_id,
            where,
            f"mapDecisionResult singleEntry needs one output, the rule has {len(rows[0])}; use singleResult",
        )
    return next(iter(rows[0].values()))
