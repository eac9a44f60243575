"""How a decision table's matched rules become its result, per hit policy (DMN 1.5, 8.2.11)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bpmn.expressions import compile_feel
from bpmn.expressions.feel.values import equals
from dmn.model import SINGLE_HIT, DecisionTable, OutputClause

_AGGREGATE = {name: compile_feel(f"{name.lower()}(values)") for name in ("SUM", "MIN", "MAX")}


class HitPolicyViolation(Exception):
    """The matches break the table's hit policy (UNIQUE with two, ANY with different outputs)."""


@dataclass(frozen=True)
class Match:
    number: int
    rule_id: str
    outputs: dict[str, Any]


def apply(table: DecisionTable, matches: list[Match]) -> tuple[list[Match], list[dict[str, Any]]]:
    """The matches that make the result (in result order) and Camunda's result list of output entries."""
    policy = table.hit_policy
    if policy == "UNIQUE" and len(matches) > 1:
        raise HitPolicyViolation(
            f"hit policy UNIQUE, but {len(matches)} rules match ({_numbers(matches)}); "
            "make the rules exclusive or choose FIRST, PRIORITY or COLLECT"
        )
    if policy == "ANY" and any(not _same(m.outputs, matches[0].outputs) for m in matches[1:]):
        raise HitPolicyViolation(
            f"hit policy ANY, but rules {_numbers(matches)} match with different outputs; "
            "give overlapping rules the same output or choose another hit policy"
        )
    if policy in ("UNIQUE", "ANY", "FIRST"):
        chosen = matches[:1]
    elif policy == "PRIORITY":
        chosen = sorted(matches, key=lambda m: _priority(table.outputs, m))[:1]
    elif policy == "OUTPUT ORDER":
        chosen = sorted(matches, key=lambda m: _priority(table.outputs, m))
    else:
        chosen = list(matches)
    if policy == "COLLECT" and table.aggregation and chosen:
        # A table's one output may be unnamed: its value is filed under the decision's name.
        name = next(iter(chosen[0].outputs))
        return chosen, [{name: aggregate(table.aggregation, [m.outputs[name] for m in chosen])}]
    if policy == "COLLECT" and table.aggregation:
        return chosen, []
    return chosen, [dict(m.outputs) for m in chosen]


def aggregate(aggregation: str, values: list[Any]) -> Any:
    if aggregation == "COUNT":  # Camunda 7 and 8 count every matched rule's output
        return len(values)
    return _AGGREGATE[aggregation].evaluate({"values": values})


def decision_value(table: DecisionTable, results: list[dict[str, Any]]) -> Any:
    """The result in DMN terms: one output's value or a context; a list for multiple hit policies."""

    def single(entries: dict[str, Any]) -> Any:
        return next(iter(entries.values())) if len(entries) == 1 else entries

    if table.hit_policy == "COLLECT" and table.aggregation:
        if not results:
            return 0 if table.aggregation == "COUNT" else None
        return single(results[0])
    if table.hit_policy in SINGLE_HIT:
        return single(results[0]) if results else None
    return [single(r) for r in results]


def _priority(outputs: Sequence[OutputClause], match: Match) -> tuple[int, ...]:
    ranks = []
    values = list(match.outputs.values())  # in the outputs' order; an unnamed one has the decision's name
    for output, value in zip(outputs, values, strict=False):
        if not output.allowed:
            continue
        rank = next((i for i, allowed in enumerate(output.allowed) if _same(allowed, value)), len(output.allowed))
        ranks.append(rank)
    return (*ranks, match.number)


def _same(left: Any, right: Any) -> bool:
    return equals(left, right) is True


def _numbers(matches: list[Match]) -> str:
    return ", ".join(str(m.number) for m in matches)
