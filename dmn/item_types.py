"""The types a DMN model declares (item definitions, ``typeRef``) and values coerced to them.

DMN 1.5 (7.3.2, 10.3.2.9.4): where a value meets a declared type (a decision's
variable, an input data, a business knowledge model's parameters and result,
a boxed expression's or context entry's ``typeRef``) it is converted with
FEEL's implicit conversions (to and from a singleton list, a date to a date
and time at UTC midnight) and becomes ``null`` when it still does not conform,
including to the item definition's allowed values.

A ``typeRef`` names a FEEL type (``number``, ``list<string>``), a DMN 1.1
XML Schema name (``dateTime``, ``feel:string``), another item definition of
the model, or a Camunda 7 type (``integer``, ``long``, ``double`` are
numbers; ``date`` in a Camunda 7 model is a date and time, as Camunda's
``Date`` is). A name none of these know leaves the value as it is, so a
model written for another engine's type names is never emptied by us.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lxml import etree

from bpmn.expressions.feel import NOT_CONFORMING, FeelType, compile_type, convert
from bpmn.expressions.feel.types import ANY, ContextType, ListType
from dmn.cells import InputEntry, compile_input_entry
from dmn.xml_reader import child, children, text_of
from steadyflow.errors import ExpressionError

CAMUNDA_7_NAMESPACE = "http://camunda.org/schema/1.0/dmn"

_ALIASES = {
    "dateTime": "date and time",
    "dayTimeDuration": "days and time duration",
    "yearMonthDuration": "years and months duration",
    "decimal": "number",
    "double": "number",
    "integer": "number",
    "int": "number",
    "long": "number",
    "float": "number",
}


@dataclass(frozen=True)
class ItemType:
    """One declared type: a base (FEEL type or item definition) or components, and constraints."""

    name: str
    base: FeelType | ItemType | None
    """The ``typeRef``: a FEEL type or another item definition; None for components only, or ``Any``."""
    components: tuple[tuple[str, ItemType], ...] = ()
    collection: bool = False
    allowed: InputEntry | None = None
    """``allowedValues``: each value (each item of a collection) must pass these unary tests."""
    constraint: InputEntry | None = None
    """DMN 1.5 ``typeConstraint``: the value as a whole must pass these unary tests."""


@dataclass(frozen=True)
class TypeRegistry:
    """The item definitions of one model, by name, and how its ``typeRef`` names are read."""

    items: Mapping[str, ItemType]
    camunda_7: bool = False

    def resolve(self, type_ref: str | None) -> FeelType | ItemType | None:
        """The type a ``typeRef`` names, or None when it names nothing we know (no coercion)."""
        if not type_ref:
            return None
        name = type_ref.strip()
        if name in self.items:
            return self.items[name]
        local = name.split(":", 1)[1] if ":" in name and "<" not in name.split(":", 1)[0] else name
        if local in self.items:
            return self.items[local]
        if self.camunda_7 and local == "date":
            local = "date and time"
        try:
            return compile_type(_ALIASES.get(local, local))
        except ExpressionError:
            return None

    def coerce(self, value: Any, type_ref: str | None) -> Any:
        """``value`` as the type ``type_ref`` names: converted, or null when it does not conform."""
        wanted = self.resolve(type_ref)
        if wanted is None:
            return value
        converted = coerce(value, wanted)
        return None if converted is NOT_CONFORMING else converted


def coerce(value: Any, wanted: FeelType | ItemType) -> Any:
    """``value`` converted to ``wanted``, or :data:`NOT_CONFORMING`."""
    if value is None:
        return None
    if isinstance(wanted, FeelType):
        return convert(value, wanted)
    if wanted.collection:
        items = value if isinstance(value, (list, tuple)) else [value]
        converted = []
        for item in items:
            one = _coerce_one(item, wanted)
            if one is NOT_CONFORMING:
                return NOT_CONFORMING
            converted.append(one)
        result: Any = converted
    else:
        if isinstance(value, (list, tuple)) and len(value) == 1 and not _is_list_type(wanted):
            value = value[0]
        result = _coerce_one(value, wanted)
    if result is not NOT_CONFORMING and wanted.constraint is not None and not _passes(wanted.constraint, result):
        return NOT_CONFORMING
    return result


def _coerce_one(value: Any, wanted: ItemType) -> Any:
    """One value (one item of a collection) against the base, components and allowed values."""
    if value is None:
        return None
    if wanted.components:
        if not isinstance(value, Mapping):
            return NOT_CONFORMING
        entries = dict(value)
        for key, component in wanted.components:
            if key not in entries:
                return NOT_CONFORMING
            converted = coerce(entries[key], component)
            if converted is NOT_CONFORMING:
                return NOT_CONFORMING
            entries[key] = converted
        value = entries
    elif wanted.base is not None:
        value = coerce(value, wanted.base)
        if value is NOT_CONFORMING:
            return NOT_CONFORMING
    if value is not None and wanted.allowed is not None and not _passes(wanted.allowed, value):
        return NOT_CONFORMING
    return value


def as_feel_type(wanted: FeelType | ItemType) -> FeelType:
    """The FEEL type with the same structure (allowed values and constraints dropped), for FEEL functions."""
    if isinstance(wanted, FeelType):
        return wanted
    if wanted.components:
        inner: FeelType = ContextType("context", tuple((k, as_feel_type(t)) for k, t in wanted.components))
    elif wanted.base is not None:
        inner = as_feel_type(wanted.base)
    else:
        inner = ANY
    return ListType("list", inner) if wanted.collection else inner


def _is_list_type(wanted: FeelType | ItemType) -> bool:
    if isinstance(wanted, ItemType):
        return wanted.collection or (wanted.base is not None and _is_list_type(wanted.base))
    return wanted.name == "list"


def _passes(tests: InputEntry, value: Any) -> bool:
    try:
        return tests.matches(value)
    except ExpressionError:
        return False


def read_item_types(root: etree._Element, problem: Any) -> TypeRegistry:
    """The item definitions under ``root``; ``problem(message, node, hint)`` reports a bad one."""
    nodes = {str(node.get("name") or ""): node for node in children(root, "itemDefinition")}
    built: dict[str, ItemType] = {}
    camunda_7 = CAMUNDA_7_NAMESPACE in root.nsmap.values()

    def build(name: str, node: etree._Element, path: tuple[str, ...]) -> ItemType:
        type_node = child(node, "typeRef")
        type_ref = ((type_node.text or "").strip() if type_node is not None else "") or str(node.get("typeRef") or "")
        base: FeelType | ItemType | None = None
        if type_ref:
            local = type_ref.split(":", 1)[-1] if ":" in type_ref and "<" not in type_ref else type_ref
            target = type_ref if type_ref in nodes else local
            if target in nodes and target not in path:
                base = built.get(target) or build(target, nodes[target], (*path, target))
                built[target] = base
            elif target in nodes:
                problem(f"item definition '{name}' refers to itself through '{target}'", node, "break the cycle")
            else:
                base = TypeRegistry({}, camunda_7).resolve(type_ref)
        components = tuple(
            (str(part.get("name") or ""), build(f"{name}.{part.get('name')}", part, path))
            for part in children(node, "itemComponent")
        )
        if child(node, "functionItem") is not None:
            base = compile_type("function")
        return ItemType(
            name,
            base,
            components,
            node.get("isCollection") == "true",
            _tests(node, "allowedValues", name, problem),
            _tests(node, "typeConstraint", name, problem),
        )

    for name, node in nodes.items():
        if name and name not in built:
            built[name] = build(name, node, (name,))
    return TypeRegistry(built, camunda_7)


def _tests(node: etree._Element, kind: str, name: str, problem: Any) -> InputEntry | None:
    found = child(node, kind)
    text = text_of(found)
    if not text:
        return None
    try:
        return compile_input_entry(text, "feel", "?")
    except ExpressionError as exc:
        problem(
            f"item definition '{name}', {kind}: {getattr(exc, 'reason', exc)} in {text!r}",
            found,
            'write the allowed values as FEEL unary tests, such as [0..255] or "a", "b"',
        )
        return None


__all__ = ["ItemType", "TypeRegistry", "as_feel_type", "coerce", "read_item_types"]
