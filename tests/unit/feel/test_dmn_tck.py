"""Opt-in: the DMN TCK's FEEL test cases (github.com/dmn-tck/tck) run on our interpreter.

Set ``STEADYFLOW_DMN_TCK`` to a checkout's ``TestCases/compliance-level-3``
directory. Every ``*-feel-*`` model (and the knowledge-model folders named
in :data:`KNOWLEDGE_MODEL_FOLDERS`) that the ``dmn`` package accepts is
evaluated through it (item definitions, ``typeRef`` coercion, business
knowledge models, decision tables); a model it refuses as a whole (one of
its decisions uses a feature we refuse, such as external Java functions) is
read decision by decision instead, evaluating the decisions whose chain of
required decisions is literal expressions with our FEEL and skipping the
rest. Nothing is vendored: the TCK is read where it lies.

A TCK decimal written with eight or more decimals is the rounded form of an
irrational result (``exp(4)`` is ``54.59815003``): it is matched to that many
decimals.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from bpmn.expressions import compile_feel
from bpmn.expressions.feel.values import equals
from dmn import DecisionModel, evaluate_decision, parse_decisions
from steadyflow.errors import DecisionEvaluationError, ExpressionError, ModelValidationError

TCK = os.environ.get("STEADYFLOW_DMN_TCK")
XSI = "{http://www.w3.org/2001/XMLSchema-instance}"
# Model folders beyond the FEEL ones: business knowledge models whose logic is a decision table,
# invoked by invocation boxes, over names of several tokens (Pre-bureauRiskCategory).
KNOWLEDGE_MODEL_FOLDERS = ("0004-lending", "0037-dt-on-bkm-implicit-params", "0038-dt-on-bkm-explicit-params")
CONSTRUCTORS = {"date": "date", "dateTime": "date and time", "time": "time", "duration": "duration"}


def _local(element: Any) -> str:
    return str(etree.QName(element).localname) if isinstance(element.tag, str) else ""


def _decisions(model: Path) -> dict[str, tuple[str | None, list[str]]]:
    """Decision name -> (literal expression text or None, names of required decisions)."""
    root = etree.parse(str(model)).getroot()
    item_types = {str(d.get("name")) for d in root if _local(d) == "itemDefinition"}
    by_id = {d.get("id"): d.get("name") for d in root if _local(d) == "decision"}
    found: dict[str, tuple[str | None, list[str]]] = {}
    for decision in (d for d in root if _local(d) == "decision"):
        text = None
        required: list[str] = []
        for child in decision:
            if _local(child) == "literalExpression":
                text = "".join(t.text or "" for t in child if _local(t) == "text")
            elif _local(child) == "knowledgeRequirement":
                required.append(_NEEDS_MODEL)
            elif _local(child) == "informationRequirement":
                for ref in child:
                    if _local(ref) == "requiredDecision":
                        required.append(str(by_id.get((ref.get("href") or "").lstrip("#"))))
        if text is not None and any(re.search(rf"\b{re.escape(t)}\b", text) for t in item_types):
            text = None  # names a type the model defines: item definitions are the DMN layer's
        found[str(decision.get("name"))] = (text, required)
    return found


_NEEDS_MODEL = "\0 a business knowledge model"


@dataclass(frozen=True)
class Rounded:
    """An expected TCK decimal written with ``decimals`` (8 or more) decimals."""

    value: float
    decimals: int


def _value(node: Any, expected: bool = False) -> Any:
    """A TCK ``<expected>``/``<inputNode>`` value as the Python value FEEL uses."""
    children = [c for c in node if isinstance(c.tag, str)]
    if node.get(f"{XSI}nil") == "true":
        return None
    if children and all(_local(c) == "component" for c in children):
        return {c.get("name"): _value(c, expected) for c in children}
    if children and _local(children[0]) == "list":
        return [_value(item, expected) for item in children[0] if isinstance(item.tag, str)]
    if children and _local(children[0]) == "value":
        return _value(children[0], expected)
    if _local(node) != "value":
        return None
    text = node.text or ""
    kind = (node.get(f"{XSI}type") or "").split(":")[-1]
    if kind in ("decimal", "double", "integer", "int", "long", "float"):
        number = compile_feel(f"number({_quote(text.strip())})").evaluate({})
        decimals = len(text.strip().partition(".")[2])
        return Rounded(float(number), decimals) if expected and decimals >= 8 else number
    if kind == "boolean":
        return text.strip() == "true"
    if kind in CONSTRUCTORS:
        return compile_feel(f"{CONSTRUCTORS[kind]}({_quote(text.strip())})").evaluate({})
    return text


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _cases() -> list[Any]:
    if not TCK:
        return [pytest.param(None, None, None, None, id="set-STEADYFLOW_DMN_TCK")]
    cases = []
    folders = sorted(Path(TCK).glob("*-feel-*")) + [Path(TCK) / name for name in KNOWLEDGE_MODEL_FOLDERS]
    for folder in (f for f in folders if f.is_dir()):
        for model in folder.glob("*.dmn"):
            for test_file in sorted(folder.glob("*-test-*.xml")):
                for case in etree.parse(str(test_file)).getroot():
                    if not isinstance(case.tag, str) or _local(case) != "testCase":
                        continue
                    inputs = {n.get("name"): _value(n) for n in case if _local(n) == "inputNode"}
                    for result in (n for n in case if _local(n) == "resultNode"):
                        expected = next((c for c in result if _local(c) == "expected"), None)
                        if expected is None or result.get("errorResult") == "true":
                            continue
                        name = str(result.get("name"))
                        cases.append(
                            pytest.param(
                                str(model),
                                name,
                                inputs,
                                _value(expected, expected=True),
                                id=f"{folder.name}:{case.get('id')}:{name}",
                            )
                        )
    return cases


@cache
def _model(path: str) -> DecisionModel | dict[str, tuple[str | None, list[str]]]:
    """The model as the dmn package reads it, or its literal decisions when it refuses the model."""
    try:
        return parse_decisions(Path(path).read_bytes(), Path(path).name)
    except ModelValidationError:
        return _decisions(Path(path))


def _evaluate_model(model: DecisionModel, name: str, inputs: dict[str, Any]) -> Any:
    by_name = {d.name: d.id for d in model.decisions.values()}
    if name not in by_name:
        pytest.skip(f"{name} is not a decision of the model (a decision service)")
    return evaluate_decision(model, by_name[name], inputs).value


def _evaluate(decisions: dict[str, tuple[str | None, list[str]]], name: str, inputs: dict[str, Any]) -> Any:
    text, required = decisions.get(name, (None, []))
    if text is None or _NEEDS_MODEL in required:
        pytest.skip(f"decision {name} is not a literal expression (a model feature, not FEEL)")
    scope = dict(inputs)
    for needed in required:
        scope[needed] = _evaluate(decisions, needed, inputs)
    return compile_feel(text.strip()).evaluate(scope)


def _same(actual: Any, expected: Any) -> bool:
    if isinstance(expected, Rounded):
        is_number = isinstance(actual, (int, float)) and not isinstance(actual, bool)
        return is_number and abs(float(actual) - expected.value) < 10.0**-expected.decimals
    if isinstance(expected, float) and isinstance(actual, (int, float)) and not isinstance(actual, bool):
        return math.isclose(actual, expected, rel_tol=1e-12)
    if isinstance(expected, list):
        return isinstance(actual, list) and len(actual) == len(expected) and all(map(_same, actual, expected))
    if isinstance(expected, dict):
        return (
            isinstance(actual, dict)
            and set(actual) == set(expected)
            and all(_same(actual[k], expected[k]) for k in expected)
        )
    if isinstance(expected, (date, datetime, time, timedelta)) or expected is None:
        return equals(actual, expected) is True
    return equals(actual, expected) is True


@pytest.mark.skipif(not TCK, reason="set STEADYFLOW_DMN_TCK to the TCK's TestCases/compliance-level-3")
@pytest.mark.parametrize(("model", "name", "inputs", "expected"), _cases())
def test_tck_feel_case_gives_the_expected_result(model: str, name: str, inputs: Any, expected: Any) -> None:
    read = _model(model)
    try:
        if isinstance(read, DecisionModel):
            actual = _evaluate_model(read, name, inputs)
        else:
            actual = _evaluate(read, name, inputs)
    except (ExpressionError, DecisionEvaluationError) as exc:
        pytest.fail(f"{name} raised {exc}")
    assert _same(actual, expected), f"{name} gave {actual!r}, the TCK expects {expected!r}"
