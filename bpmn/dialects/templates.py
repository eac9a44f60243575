"""Turn model text into templates and expressions, and evaluate them over variables.

The only path from model text to a value: our own FEEL and JUEL interpreters,
never Python eval. Compiled expressions are cached by source text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from bpmn.dialects.definitions import Template
from bpmn.expressions import CompiledExpression, compile_feel, compile_juel
from bpmn.expressions.variable_values import as_variable
from steadyflow.errors import ExpressionError, ExpressionEvaluationError

PythonValue = Callable[[str, Mapping[str, Any]], Any]
"""Runs a Python parameter script in the engine's sandbox and returns its value (see bpmn.parameter_scripts)."""


@lru_cache(maxsize=4096)
def feel(source: str) -> CompiledExpression:
    return compile_feel(source)


@lru_cache(maxsize=4096)
def juel(source: str) -> CompiledExpression:
    return compile_juel(source)


def is_juel(text: str) -> bool:
    return "${" in text or "#{" in text


def template_from_text(text: str | None, dialect: str) -> Template:
    """Classify one attribute or element text as a literal or an expression."""
    value = (text or "").strip() if dialect != "camunda7" else (text or "")
    if dialect in ("camunda8", "bpmn") and value.startswith("="):
        return {"feel": value[1:].strip()}
    if dialect in ("camunda7", "bpmn") and is_juel(value):
        return {"juel": value.strip()}
    return {"literal": value}


def canonical_expression(text: str) -> str:
    """Normalise a condition-like text: ``=`` FEEL and ``${}`` JUEL stay, bare text is FEEL."""
    value = text.strip()
    if value.startswith("=") or is_juel(value):
        return value
    return "=" + value


def compile_canonical(text: str) -> CompiledExpression:
    """Compile a canonical expression (``=...`` or ``${...}``)."""
    if text.startswith("="):
        return feel(text[1:].strip())
    return juel(text)


def evaluate_canonical(text: str, variables: Mapping[str, Any]) -> Any:
    """A canonical expression's value as a variable holds it (temporal values as ISO text)."""
    return as_variable(compile_canonical(text).evaluate(variables), text)


def evaluate_template(template: Template, variables: Mapping[str, Any], python: PythonValue | None = None) -> Any:
    """Compute a template's value; raises ExpressionEvaluationError.

    ``python`` runs a Python parameter script; without it (scripts disabled, or a
    caller with no sandbox) such a template is an evaluation error.
    """
    if "literal" in template:
        return template["literal"]
    if "var" in template:
        return variables.get(template["var"])
    if "feel" in template:
        return as_variable(feel(template["feel"]).evaluate(variables), template["feel"])
    if "juel" in template:
        return as_variable(juel(template["juel"]).evaluate(variables), template["juel"])
    if "python" in template:
        if python is None:
            raise ExpressionEvaluationError(
                "Python parameter scripts are disabled; restart steadyflow with --allow-python-scripts",
                template["python"][:200],
            )
        return python(template["python"], variables)
    if "list" in template:
        return [evaluate_template(item, variables, python) for item in template["list"]]
    if "map" in template:
        return {key: evaluate_template(item, variables, python) for key, item in template["map"].items()}
    raise ValueError(f"unknown template shape {sorted(template)}")


def template_source(template: Template) -> str:
    """A template as the model writes it: ``=regions`` (FEEL), ``${regions}`` (JUEL), a variable name."""
    if "feel" in template:
        return "=" + str(template["feel"])
    if "juel" in template:
        return str(template["juel"])
    if "var" in template:
        return str(template["var"])
    if "literal" in template:
        return str(template["literal"])
    return str(template)


def template_problems(template: Template) -> list[str]:
    """Compile every expression in a template; return the syntax errors as messages."""
    problems: list[str] = []
    try:
        if "feel" in template:
            feel(template["feel"])
        elif "juel" in template:
            juel(template["juel"])
    except ExpressionError as exc:
        problems.append(str(exc))
    for item in template.get("list", []):
        problems.extend(template_problems(item))
    for item in template.get("map", {}).values():
        problems.extend(template_problems(item))
    return problems
