"""A 100-rule decision table evaluated per second, next to the same rules written as nested FEEL ``if``.

The table maps ``score`` (0-999) and ``tier`` to a band: rule i matches ``[10i..10i+9]`` and a tier
test (every third rule asks for ``"gold"``, the others take any tier), giving ``"band-i"``. The same
rules as FEEL:

* (b) nested ``if``: our FEEL refuses nesting deeper than 50 levels, so the 100 rules are nested two
  levels deep (10 ranges of 100, each a chain of 10 ``if``), which skips 90 rules per evaluation;
* (c) the rules in order, one ``if cond then out else null`` expression each, until one answers
  (the flat translation of a FIRST table).

Every variant runs the same inputs in the same process and must give the same answers.
``python -m bench.dmn_bench`` prints evaluations/s of each and the ratios to the table.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from typing import Any

from bpmn.expressions import compile_feel
from dmn import evaluate_decision, parse_decisions

RULES = 100


def _tier_test(i: int) -> str:
    return '"gold"' if i % 3 == 0 else "-"


def _condition(i: int) -> str:
    tier = ' and tier = "gold"' if i % 3 == 0 else ""
    return f"score >= {10 * i} and score <= {10 * i + 9}{tier}"


def table_xml(hit_policy: str) -> bytes:
    rules = "".join(
        f'<rule id="r{i}"><inputEntry><text>[{10 * i}..{10 * i + 9}]</text></inputEntry>'
        f"<inputEntry><text>{_tier_test(i)}</text></inputEntry>"
        f'<outputEntry><text>"band-{i}"</text></outputEntry></rule>'
        for i in range(RULES)
    )
    return (
        '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="bench" name="Bench" namespace="b">'
        f'<decision id="band" name="Band"><decisionTable hitPolicy="{hit_policy}">'
        '<input id="i1" label="Score"><inputExpression typeRef="number"><text>score</text></inputExpression></input>'
        '<input id="i2" label="Tier"><inputExpression typeRef="string"><text>tier</text></inputExpression></input>'
        f'<output id="o1" name="band" typeRef="string"/>{rules}</decisionTable></decision></definitions>'
    ).encode()


def nested_if_source() -> str:
    groups = []
    for group in range(RULES // 10):
        chain = "".join(f'if {_condition(i)} then "band-{i}" else ' for i in range(group * 10, group * 10 + 10))
        groups.append(f"if score < {100 * (group + 1)} then ({chain}null) else ")
    return "".join(groups) + "null"


def _rate(
    evaluate: Callable[[dict[str, Any]], Any], inputs: list[dict[str, Any]], rounds: int
) -> tuple[float, list[Any]]:
    best = 0.0
    answers: list[Any] = []
    for _ in range(rounds):
        started = time.perf_counter()
        answers = [evaluate(variables) for variables in inputs]
        best = max(best, len(inputs) / (time.perf_counter() - started))
    return best, answers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evaluations", type=int, default=2_000, help="inputs per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per variant; the best is reported")
    args = parser.parse_args(argv)
    generator = random.Random(14)
    inputs = [
        {"score": generator.randrange(0, 1000), "tier": generator.choice(["gold", "silver"])}
        for _ in range(args.evaluations)
    ]
    unique = parse_decisions(table_xml("UNIQUE"), "bench.dmn")
    first = parse_decisions(table_xml("FIRST"), "bench.dmn")
    nested = compile_feel(nested_if_source())
    flat = [compile_feel(f'if {_condition(i)} then "band-{i}" else null') for i in range(RULES)]

    def in_order(variables: dict[str, Any]) -> Any:
        for expression in flat:
            answer = expression.evaluate(variables)
            if answer is not None:
                return answer
        return None

    variants = {
        "a  decision table, UNIQUE (all 100 rules checked)": lambda v: evaluate_decision(unique, "band", v).value,
        "a' decision table, FIRST": lambda v: evaluate_decision(first, "band", v).value,
        "b  nested FEEL if (10 x 10)": nested.evaluate,
        "c  FEEL if per rule, in order": in_order,
    }
    rates: dict[str, float] = {}
    reference: list[Any] | None = None
    for name, evaluate in variants.items():
        rates[name], answers = _rate(evaluate, inputs, args.rounds)
        if reference is None:
            reference = answers
        assert answers == reference, f"{name} answers differently from the table"
        print(f"{name:<52} {rates[name]:>10,.0f} evaluations/s")
    table = rates["a  decision table, UNIQUE (all 100 rules checked)"]
    for name, rate in rates.items():
        print(f"ratio {name.split()[0]}/a evaluations/s: {rate / table:.2f}")
    matched = sum(1 for answer in reference or [] if answer is not None)
    print(f"{len(inputs)} inputs, {matched} matched a rule, {RULES} rules, best of {args.rounds} rounds")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
