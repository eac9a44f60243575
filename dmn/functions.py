"""Business knowledge models as FEEL function values, so a literal expression can call ``fee(amount, 0.1)``.

A BKM whose logic is a FEEL literal expression becomes a FEEL ``UserFunction`` (its formal parameters,
the expression's syntax tree, and a scope holding the BKMs it requires in turn). The decisions that
require it (``knowledgeRequirement``) see it under its name, as DMN 1.5 (6.3.7) puts required knowledge
in scope. Calls run in the calling expression's evaluation, so FEEL's limits (steps, call depth) hold.
BKMs with a decision table or context as logic are invoked with a boxed invocation instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bpmn.expressions import FeelExpression
from bpmn.expressions.feel.closures import UserFunction
from bpmn.expressions.feel.evaluator import Scope
from dmn.model import DecisionModel, LiteralBody


def knowledge_functions(model: DecisionModel) -> dict[str, UserFunction]:
    """Per BKM id, the function value of each BKM whose logic is a FEEL literal expression."""
    functions: dict[str, UserFunction] = {}
    visible: dict[str, dict[str, Any]] = {}
    for bkm in model.knowledge_models.values():
        body = bkm.body
        if not isinstance(body, LiteralBody) or not isinstance(body.cell.expression, FeelExpression):
            continue
        visible[bkm.id] = {}  # filled below, once every function exists (BKMs may require each other)
        params = tuple((name, None) for name in bkm.parameters)
        functions[bkm.id] = UserFunction(params, body.cell.expression.root, Scope(visible[bkm.id]))
    for bkm_id, names in visible.items():
        names.update(functions_for(model, model.knowledge_models[bkm_id].required_knowledge, functions))
    return functions


def functions_for(
    model: DecisionModel, required: tuple[str, ...], functions: Mapping[str, UserFunction]
) -> dict[str, Any]:
    """The function values that whatever requires ``required`` (BKM ids) sees, by BKM name."""
    return {model.knowledge_models[i].name: functions[i] for i in required if i in functions}
