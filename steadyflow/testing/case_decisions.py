"""The decision instructions of Camunda process test cases: EVALUATE_DECISION and ASSERT_DECISION.

An assertion looks at the latest evaluation of the decision the case saw: one it asked for
(EVALUATE_DECISION) or one a business rule task of its instances made. Rules are numbered
from 1 in table order, as Camunda numbers them.
"""

from __future__ import annotations

from typing import Any

from steadyflow.testing.case_checks import CaseContext, SelectionError


def evaluate(context: CaseContext, f: dict[str, Any]) -> None:
    selector = f["decisionDefinitionSelector"]
    key = selector.get("decisionDefinitionId")
    if not isinstance(key, str):
        raise SelectionError("decisionDefinitionSelector needs decisionDefinitionId")
    _, result, _ = context.test.engine.decisions.evaluate(key, dict(f.get("variables") or {}))
    context.decisions.extend(e.as_record() for e in result.evaluations)


def assert_decision(context: CaseContext, f: dict[str, Any]) -> None:
    selector = f["decisionSelector"]
    wanted_id, wanted_name = selector.get("decisionDefinitionId"), selector.get("decisionDefinitionName")
    seen = _evaluations(context)
    found = [e for e in seen if e["decision_id"] == wanted_id or (wanted_name and e["decision_name"] == wanted_name)]
    which = wanted_id or wanted_name
    if not found:
        evaluated = sorted({e["decision_id"] for e in seen})
        raise SelectionError(
            f"expected decision {which!r} to have been evaluated; "
            + (f"this case evaluated {', '.join(evaluated)}" if evaluated else "this case evaluated no decision")
        )
    latest = found[-1]
    matched = [int(rule["number"]) for rule in latest["matched_rules"]]
    problems = []
    if "output" in f and latest["value"] != f["output"]:
        problems.append(f"its output is {latest['value']!r}, not {f['output']!r}")
    if "matchedRules" in f and sorted(f["matchedRules"]) != sorted(matched):
        problems.append(f"it matched rules {matched}, not {f['matchedRules']}")
    wrongly = sorted(set(f.get("notMatchedRules") or []) & set(matched))
    if wrongly:
        problems.append(f"it matched rules {wrongly}, which should not match")
    if f.get("noMatchedRules") and matched:
        problems.append(f"it matched rules {matched}, expected none")
    if problems:
        raise AssertionError(f"expected decision {which!r} to hold; " + "; ".join(problems))


def _evaluations(context: CaseContext) -> list[dict[str, Any]]:
    """Every decision evaluation the case saw, oldest first."""
    rows = []
    for instance in context.instances():
        rows += context.test.engine.decisions.evaluations(instance_id=instance.id)
    rows.sort(key=lambda r: r["evaluated_at"])
    from_instances = [record for row in rows for record in row["record"]]
    return from_instances + context.decisions
