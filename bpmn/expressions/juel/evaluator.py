"""Evaluate JUEL syntax trees over process variables.

Name resolution mirrors Camunda 7: an identifier is a process variable, and
one that does not exist is an error ("Unknown property used in expression
${x}. Cannot resolve identifier 'x'"), unlike FEEL where it is null. There
are no beans, no ``execution`` object and no implicit objects.

Property access (``a.b``, ``a["b"]``, ``a[0]``) reads dictionary entries and
list elements only, like EL's MapELResolver and ListELResolver: a missing key
or an index out of range is null, and any other kind of base value is an
error. Python attributes are never read, whatever the property name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bpmn.expressions.juel import ast, coercion, spin
from bpmn.expressions.juel.coercion import CoercionError
from steadyflow.errors import ExpressionEvaluationError


class Evaluator:
    def __init__(self, source: str, variables: Mapping[str, Any]) -> None:
        self.source = source
        self.variables = variables
        self.segment = source

    def fail(self, message: str) -> ExpressionEvaluationError:
        return ExpressionEvaluationError(message, self.source)

    def run(self, segment: ast.Segment) -> Any:
        self.segment = segment.text
        try:
            return spin.unwrap(self.eval(segment.body))
        except CoercionError as exc:
            raise self.fail(f"{exc} in {segment.text}") from None
        except (OverflowError, ValueError, ArithmeticError):
            raise self.fail(f"a number is out of range or not a number in {segment.text}") from None

    def eval(self, node: ast.Node) -> Any:
        match node:
            case ast.Literal(value=value):
                return value
            case ast.Identifier(name=name):
                return self.variable(name)
            case ast.Property(base=base, key=key):
                return self.property(self.eval(base), self.eval(key))
            case ast.Binary(op="and", left=left, right=right):
                return coercion.to_boolean(self.eval(left)) and coercion.to_boolean(self.eval(right))
            case ast.Binary(op="or", left=left, right=right):
                return coercion.to_boolean(self.eval(left)) or coercion.to_boolean(self.eval(right))
            case ast.Binary(op=op, left=left, right=right):
                return self.binary(op, self.eval(left), self.eval(right))
            case ast.Unary(op=op, operand=operand):
                value = self.eval(operand)
                if op == "not":
                    return not coercion.to_boolean(value)
                if op == "empty":
                    return coercion.is_empty(value)
                return coercion.negate(value)
            case ast.Call(name=name, args=args):
                return spin.spin_function(name, [self.eval(arg) for arg in args])
            case ast.MethodCall(base=base, name=name, args=args):
                return spin.call_method(self.eval(base), name, [self.eval(arg) for arg in args])
            case ast.Ternary(condition=condition, then=then, otherwise=otherwise):
                chosen = then if coercion.to_boolean(self.eval(condition)) else otherwise
                return self.eval(chosen)
        raise self.fail("this kind of expression cannot be evaluated")

    def binary(self, op: str, a: Any, b: Any) -> Any:
        if isinstance(a, spin.SpinJson) or isinstance(b, spin.SpinJson):
            raise CoercionError(
                "a Spin JSON node cannot be compared or computed with; read its value first "
                "with .stringValue(), .numberValue() or .boolValue()"
            )
        if op in ("+", "-", "*", "/", "%"):
            return coercion.arithmetic(op, a, b)
        if op == "==":
            return coercion.equal(a, b)
        if op == "!=":
            return not coercion.equal(a, b)
        return coercion.relation(op, a, b)

    def variable(self, name: str) -> Any:
        if name not in self.variables:
            raise self.fail(f"Unknown property used in expression {self.segment}. Cannot resolve identifier '{name}'")
        return self.variables[name]

    def property(self, base: Any, key: Any) -> Any:
        if isinstance(base, spin.SpinJson):
            raise CoercionError(f'read a Spin JSON property with .prop("{coercion.to_text(key)[:50]}")')
        if base is None or key is None:
            return None
        if isinstance(base, Mapping):
            try:
                return base.get(key)
            except TypeError:  # an unhashable key such as a list
                return None
        if isinstance(base, (list, tuple)):
            if isinstance(key, bool):
                raise CoercionError("cannot use a boolean as a list index")
            index = int(coercion.to_number(key, floating=False))
            return base[index] if 0 <= index < len(base) else None
        kind = type(base).__name__
        raise CoercionError(f"cannot read property '{coercion.to_text(key)[:50]}' of a {kind} value")
