"""Camunda 7 input/output parameters computed by a ``camunda:script``, in the languages we run.

Camunda 7 lets a parameter's value come from a script::

    <camunda:inputParameter name="sizeGb">
      <camunda:script scriptFormat="juel">${size * 10}</camunda:script>
    </camunda:inputParameter>

We run three script formats, the same three a script task may use: ``juel``
(the text is a JUEL template), ``feel`` (the text is one FEEL expression), and
``python`` (run in the sandbox, only when the operator allowed Python scripts;
the parameter's value is that of the script's last expression, as with
Camunda's script engines). Anything else, and scripts kept in an external
``resource``, are refused at deploy time with the reason.
"""

from __future__ import annotations

import ast

from lxml import etree

from bpmn.dialects.definitions import Template
from bpmn.dialects.templates import template_from_text
from bpmn.options import ParseOptions
from steadyflow.errors import Problem

PYTHON_FORMATS = ("python", "python3", "py")
SCRIPT_VALUE = "script_value"
"""The sandbox variable a Python parameter script's last expression is assigned to."""


def script_template(script: etree._Element) -> Template:
    """The template a parameter script becomes; a refused one (see :func:`script_problems`) is null."""
    fmt = (script.get("scriptFormat") or "").strip().lower()
    text = script.text or ""
    if script.get("resource") is not None:
        return {"literal": None}
    if fmt == "juel":
        return template_from_text(text, "camunda7")
    if fmt == "feel":
        body = text.strip()
        return {"feel": body[1:].strip() if body.startswith("=") else body}
    if fmt in PYTHON_FORMATS:
        return {"python": text}
    return {"literal": None}


def script_problems(
    script: etree._Element, parameter: str, element_id: str | None, file: str | None, options: ParseOptions
) -> list[Problem]:
    """Why a parameter script cannot run (empty when it can); its syntax is checked with the rest of the model."""
    fmt = (script.get("scriptFormat") or "").strip().lower()
    where = {"element_id": element_id, "line": script.sourceline, "file": file}
    what = f"parameter '{parameter}' is computed by a camunda:script"
    if script.get("resource") is not None:
        return [
            Problem(
                f"{what} kept in the resource '{script.get('resource')}'",
                hint="write the script inside the parameter (JUEL, FEEL or Python) or use an expression",
                **where,
            )
        ]
    if fmt in ("juel", "feel"):
        return []
    if fmt in PYTHON_FORMATS:
        if options.python_script_checker is None:
            return [
                Problem(
                    f"{what} in Python, and Python scripts are disabled",
                    hint="start steadyflow with --allow-python-scripts to run it in the sandbox, "
                    "or write it as a JUEL expression",
                    **where,
                )
            ]
        return [
            Problem(f"{what}: Python script: {message}", hint="scripts run in a sandbox", **where)
            for message in options.python_script_checker(with_value_assigned(script.text or ""))
        ]
    return [
        Problem(
            f"{what} in {fmt or 'an unspecified language'}, which steadyflow does not run",
            hint="use scriptFormat juel, feel or python (sandboxed), or an expression such as ${variable}",
            **where,
        )
    ]


def with_value_assigned(script: str) -> str:
    """The script with its last expression statement assigned to :data:`SCRIPT_VALUE` (lines kept)."""
    try:
        tree = ast.parse(script)
    except SyntaxError:
        return script  # the sandbox's checker reports it, with its line
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        return script
    last = tree.body[-1]
    lines = script.splitlines(keepends=True)
    start = sum(len(line) for line in lines[: last.lineno - 1]) + last.col_offset
    return f"{script[:start]}{SCRIPT_VALUE} = {script[start:]}"


__all__ = ["PYTHON_FORMATS", "SCRIPT_VALUE", "script_problems", "script_template", "with_value_assigned"]
