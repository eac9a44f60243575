"""Business knowledge models as FEEL function values, so a literal expression can call ``fee(amount, 0.1)``.

A BKM whose logic is a FEEL literal expression becomes a FEEL ``UserFunction`` (its formal parameters
with their typeRefs as FEEL types, the expression's syntax tree, its typeRef as the result type, and a
scope holding the BKMs it requires in turn). The decisions that
require it (``knowledgeRequirement``) see it under its name, as DMN 1.5 (6.3.7) puts required knowledge
in scope. Calls run in the calling expression's evaluation, so FEEL's limits (steps, call depth) hold.
BKMs with a decision table, context or invocation as logic become host functions in ``dmn.evaluation``
(they run the DMN evaluator). A decision service becomes a host function that evaluates its output
decisions from the arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from bpmn.expressions import FeelExpression
from bpmn.expressions.feel.closures import HostFunction, UserFunction
from bpmn.expressions.feel.evaluator import Scope
from bpmn.expressions.feel.types import FeelType
from dmn.item_types import as_feel_type
from dmn.model import DecisionModel, DecisionService, LiteralBody


def knowledge_functions(model: DecisionModel) -> dict[str, UserFunction]:
    """Per BKM id, the function value of each BKM whose logic is a FEEL literal expression."""
    functions: dict[str, UserFunction] = {}
    visible: dict[str, dict[str, Any]] = {}
    for bkm in model.knowledge_models.values():
        body = bkm.body
        if not isinstance(body, LiteralBody) or not isinstance(body.cell.expression, FeelExpression):
            continue
        visible[bkm.id] = {}  # filled below, once every function exists (BKMs may require each other)
        declared = dict(zip(bkm.parameters, bkm.parameter_types, strict=False))
        params = tuple((name, _feel_type(model, declared.get(name))) for name in bkm.parameters)
        result = _feel_type(model, body.type_ref)
        functions[bkm.id] = UserFunction(params, body.cell.expression.root, Scope(visible[bkm.id]), result)
    for bkm_id, names in visible.items():
        names.update(functions_for(model, model.knowledge_models[bkm_id].required_knowledge, functions))
    return functions


def _feel_type(model: DecisionModel, type_ref: str | None) -> FeelType | None:
    """A typeRef as the FEEL type a function parameter or result declares (its structure; no allowed values)."""
    wanted = model.types.resolve(type_ref)
    return None if wanted is None else as_feel_type(wanted)


def service_functions(
    model: DecisionModel, run: Callable[[DecisionService, dict[str, Any]], Any]
) -> dict[str, HostFunction]:
    """Per decision service id, a function value that runs it: parameters are its input decisions, then inputs."""
    functions: dict[str, HostFunction] = {}
    for service in model.services.values():
        names = [model.decisions[i].variable_name for i in service.input_decisions if i in model.decisions]
        params = tuple((name, None) for name in (*names, *service.input_data))
        functions[service.id] = HostFunction(service.name, params, partial(run, service))
    return functions


def functions_for(
    model: DecisionModel, required: tuple[str, ...], functions: Mapping[str, UserFunction | HostFunction]
) -> dict[str, Any]:
    """The function values that whatever requires ``required`` (BKM or decision service ids) sees, by name."""
    found: dict[str, Any] = {}
    for required_id in required:
        if required_id not in functions:
            continue
        owner = model.knowledge_models.get(required_id) or model.services[required_id]
        found[owner.name] = functions[required_id]
    return found
