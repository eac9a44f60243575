"""Whatever a cell holds or a variable is, parsing and evaluating raise only our errors (properties)."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dmn import evaluate_decision, parse_decisions
from steadyflow.errors import DecisionEvaluationError, ModelValidationError

HEAD = '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="D" namespace="x">'
FEEL_BITS = st.sampled_from(
    [
        "x",
        "?",
        "<",
        ">=",
        "..",
        "[",
        "]",
        "(",
        ")",
        ",",
        '"a"',
        "1",
        "-",
        "not(",
        "and",
        "if",
        "then",
        "else",
        "date(",
        "@",
        "{",
        "}",
        ":",
        "null",
        "true",
        "+",
        "*",
        "/",
        " ",
        "in",
        "for",
        "return",
        "some",
        "satisfies",
    ]
)
CELL = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30),
    st.lists(FEEL_BITS, max_size=12).map("".join),
)
VALUES: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)


def table(entry: str, output: str, policy: str) -> bytes:
    return (
        HEAD
        + f'<decision id="t" name="T"><decisionTable hitPolicy="{policy}">'
        + '<input id="i"><inputExpression><text>x</text></inputExpression></input><output id="o" name="out"/>'
        + f"<rule id='r1'><inputEntry><text>{escape(entry)}</text></inputEntry>"
        + f"<outputEntry><text>{escape(output)}</text></outputEntry></rule>"
        + "<rule id='r2'><inputEntry><text>-</text></inputEntry><outputEntry><text>1</text></outputEntry></rule>"
        + "</decisionTable></decision></definitions>"
    ).encode()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entry=CELL, output=CELL, policy=st.sampled_from(["UNIQUE", "FIRST", "COLLECT", "PRIORITY", "ANY"]), x=VALUES)
def test_any_cell_text_is_refused_or_evaluates_with_only_our_errors(
    entry: str, output: str, policy: str, x: Any
) -> None:
    try:
        model = parse_decisions(table(entry, output, policy), "p.dmn")
    except ModelValidationError as exc:
        assert all(p.element_id == "t" and p.line for p in exc.problems)
        return
    try:
        evaluate_decision(model, "t", {"x": x})
    except DecisionEvaluationError as exc:
        assert exc.decision_id == "t"
