"""What a definition's XML says to people: element names and the form fields of user tasks.

Camunda 7 declares fields with ``camunda:formData``/``camunda:formField``;
Camunda 8 embeds a Camunda Forms JSON schema in ``zeebe:userTaskForm`` and
points to it from the task's ``zeebe:formDefinition formKey``. Both become
:class:`FormField` lists that the web UI renders and :func:`coerce_form` checks.
The XML is read only through ``bpmn.xml_loader`` (no entities, no network).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from bpmn.dialects.xml_helpers import children, first_child, local_name
from bpmn.xml_loader import BPMN_NS, load_bpmn_xml
from steadyflow.errors import InvalidInputError

C7_NS = ("http://camunda.org/schema/1.0/bpmn", "http://operaton.org/schema/1.0/bpmn")
ZEEBE_NS = ("http://camunda.org/schema/zeebe/1.0",)
FIELD_TYPES = ("string", "long", "double", "boolean", "date", "enum", "textarea")
_C8_TYPES = {"textfield": "string", "textarea": "textarea", "number": "double", "checkbox": "boolean"}
_C8_TYPES |= {"select": "enum", "radio": "enum", "datetime": "date"}


class FormValidationError(InvalidInputError):
    """Submitted values do not fit the form; ``field_errors`` maps field id -> what is wrong."""

    code = "form_invalid"

    def __init__(self, field_errors: dict[str, str]) -> None:
        self.field_errors = field_errors
        body = "; ".join(f"{name}: {problem}" for name, problem in field_errors.items())
        super().__init__(f"the form has {len(field_errors)} problem(s): {body}")


@dataclass
class FormField:
    id: str
    label: str
    type: str = "string"
    required: bool = False
    readonly: bool = False
    default: Any = None
    options: list[dict[str, str]] = field(default_factory=list)
    minimum: float | None = None
    maximum: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ModelOutline:
    """Element names by id, form fields by user task (and start event) element id, for one BPMN file."""

    names: dict[str, str] = field(default_factory=dict)
    forms: dict[str, list[FormField]] = field(default_factory=dict)
    start_forms: dict[str, list[FormField]] = field(default_factory=dict)
    """Process id -> the fields of its start form: the form on its plain (none) start event."""
    call_activities: set[str] = field(default_factory=set)
    """Ids of its call activities (their children's tasks are not elements of this model)."""


def read_outline(xml: bytes, filename: str | None = None) -> ModelOutline:
    root = load_bpmn_xml(xml, filename)
    outline = ModelOutline()
    embedded: dict[str, str] = {}
    for node in root.iter(f"{{{ZEEBE_NS[0]}}}userTaskForm"):
        if node.get("id"):
            embedded[str(node.get("id"))] = node.text or ""
    for node in root.iter():
        if not isinstance(node.tag, str) or not node.tag.startswith(f"{{{BPMN_NS}}}"):
            continue
        element_id, name = node.get("id"), node.get("name")
        if element_id and name:
            outline.names[element_id] = name
        if element_id and local_name(node) == "userTask":
            outline.forms[element_id] = _form_fields(node, embedded)
        elif element_id and local_name(node) == "callActivity":
            outline.call_activities.add(element_id)
    for process in root.iter(f"{{{BPMN_NS}}}process"):
        for start in children(process, (BPMN_NS,), "startEvent"):
            if any(local_name(c).endswith("EventDefinition") for c in start if isinstance(c.tag, str)):
                continue  # message, timer, signal...: started by an event, not by a person
            fields = _form_fields(start, embedded)
            if fields and start.get("id") and process.get("id"):
                outline.forms[str(start.get("id"))] = fields
                outline.start_forms[str(process.get("id"))] = fields
    return outline


def _form_fields(node: Any, embedded: dict[str, str]) -> list[FormField]:
    """The fields of a user task's or start event's form, in either dialect."""
    ext = first_child(node, (BPMN_NS,), "extensionElements")
    if ext is None:
        return []
    form_data = first_child(ext, C7_NS, "formData")
    if form_data is not None:
        return [_c7_field(f) for f in children(form_data, C7_NS, "formField") if f.get("id")]
    definition = first_child(ext, ZEEBE_NS, "formDefinition")
    key = (definition.get("formKey") or "") if definition is not None else ""
    schema = embedded.get(key.rsplit(":", 1)[-1]) if key else None
    return _c8_fields(schema) if schema else []


def _c7_field(node: Any) -> FormField:
    kind = (node.get("type") or "string").lower()
    f = FormField(
        id=str(node.get("id")),
        label=node.get("label") or str(node.get("id")),
        type=kind if kind in FIELD_TYPES else "string",
        default=node.get("defaultValue"),
    )
    f.options = [
        {"value": str(v.get("id")), "label": v.get("name") or str(v.get("id"))}
        for v in children(node, C7_NS, "value")
        if v.get("id")
    ]
    validation = first_child(node, C7_NS, "validation")
    for constraint in children(validation, C7_NS, "constraint") if validation is not None else []:
        _apply_constraint(f, (constraint.get("name") or "").lower(), constraint.get("config"))
    return f


def _apply_constraint(f: FormField, name: str, config: str | None) -> None:
    if name == "required":
        f.required = True
    elif name == "readonly":
        f.readonly = True
    elif name in ("min", "max", "minlength", "maxlength") and config is not None:
        try:
            number = float(config)
        except ValueError:
            return
        if name == "min":
            f.minimum = number
        elif name == "max":
            f.maximum = number
        elif name == "minlength":
            f.min_length = int(number)
        else:
            f.max_length = int(number)


def _c8_fields(schema: str) -> list[FormField]:
    try:
        document = json.loads(schema)
    except json.JSONDecodeError:
        return []
    fields = []
    for component in document.get("components", []) if isinstance(document, dict) else []:
        if not isinstance(component, dict) or not component.get("key") or component.get("type") not in _C8_TYPES:
            continue
        validate: dict[str, Any] = component["validate"] if isinstance(component.get("validate"), dict) else {}
        f = FormField(
            id=str(component["key"]),
            label=str(component.get("label") or component["key"]),
            type=_C8_TYPES[str(component["type"])],
            required=bool(validate.get("required")),
            readonly=bool(component.get("readonly")),
            default=component.get("defaultValue"),
            minimum=validate.get("min"),
            maximum=validate.get("max"),
            min_length=validate.get("minLength"),
            max_length=validate.get("maxLength"),
            pattern=validate.get("pattern"),
        )
        if f.type == "double" and component.get("decimalDigits") == 0:
            f.type = "long"
        values: list[Any] = component["values"] if isinstance(component.get("values"), list) else []
        f.options = [
            {"value": str(v.get("value")), "label": str(v.get("label", v.get("value")))}
            for v in values
            if isinstance(v, dict)
        ]
        fields.append(f)
    return fields


def coerce_form(fields: list[FormField], raw: dict[str, Any]) -> dict[str, Any]:
    """Check and convert submitted values (strings from an HTML form, or JSON) to typed variables."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in fields:
        if f.readonly:
            continue
        given = raw.get(f.id)
        if (given is None or given == "") and f.default not in (None, ""):
            given = f.default  # Camunda 7 submits a field's default when nothing was entered
        try:
            value = _convert(f, given)
        except ValueError as exc:
            errors[f.id] = str(exc)
            continue
        if value is None:
            if f.required:
                errors[f.id] = "is required"
            continue
        problem = _check(f, value)
        if problem:
            errors[f.id] = problem
        else:
            values[f.id] = value
    if errors:
        raise FormValidationError(errors)
    return values


def typed_default(f: FormField) -> Any:
    """The field's default value typed like the field (constraints aside); as written if it is not of that type
    (an expression such as ``${now()}``), None when there is none."""
    if f.default in (None, ""):
        return None
    try:
        return _convert(f, f.default)
    except ValueError:
        return f.default


def _convert(f: FormField, given: Any) -> Any:
    if f.type == "boolean":
        if isinstance(given, bool):
            return given
        if given in (None, "", "off", "false", "0"):  # an unticked checkbox sends nothing
            return False
        if given in ("on", "true", "1"):
            return True
        raise ValueError("must be true or false")
    if given is None or (isinstance(given, str) and not given.strip()):
        return None
    if f.type in ("long", "double"):
        if isinstance(given, bool):
            raise ValueError("must be a number")
        try:
            number = float(given) if f.type == "double" else int(str(given).strip())
        except (TypeError, ValueError):
            raise ValueError("must be a whole number" if f.type == "long" else "must be a number") from None
        return number
    if f.type == "enum" and f.options and str(given) not in {o["value"] for o in f.options}:
        raise ValueError(f"must be one of {', '.join(o['value'] for o in f.options)}")
    if f.type == "date" and not re.match(r"^\d{4}-\d{2}-\d{2}", str(given)):
        raise ValueError("must be a date like 2026-01-31")
    return str(given)


def _check(f: FormField, value: Any) -> str | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        if f.minimum is not None and value < f.minimum:
            return f"must be at least {f.minimum:g}"
        if f.maximum is not None and value > f.maximum:
            return f"must be at most {f.maximum:g}"
    if isinstance(value, str):
        if f.min_length is not None and len(value) < f.min_length:
            return f"must have at least {f.min_length} characters"
        if f.max_length is not None and len(value) > f.max_length:
            return f"must have at most {f.max_length} characters"
        if f.pattern and re.fullmatch(f.pattern, value) is None:
            return f"must match the pattern {f.pattern}"
    return None
