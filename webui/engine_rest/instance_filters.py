"""Camunda's process instance filters (query string or JSON body) as an :class:`InstanceQuery`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import request

from engine.rest_queries import InstanceQuery
from webui.engine_rest.dto import HISTORY_STATES, incident_kinds
from webui.engine_rest.errors import bad_request
from webui.engine_rest.request_input import body_str_list
from webui.engine_rest.typed_values import parse_date

RUNTIME_SORT = {"instanceId": "instanceId", "definitionKey": "definitionKey", "definitionId": "definitionId"}
RUNTIME_SORT |= {"businessKey": "businessKey", "tenantId": "instanceId"}
HISTORY_SORT = RUNTIME_SORT | {"startTime": "startTime", "endTime": "endTime", "duration": "endTime"}
HISTORY_SORT |= {"definitionName": "definitionKey", "definitionVersion": "definitionId"}
STATE_OF = {camunda: ours for ours, camunda in HISTORY_STATES.items()}


class Params:
    """One way to read filters from the query string (``a,b`` lists) or a JSON body (arrays)."""

    def __init__(self, body: dict[str, Any] | None) -> None:
        self.body = body

    def text(self, name: str) -> str | None:
        value = self.body.get(name) if self.body is not None else request.args.get(name)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise bad_request(f"'{name}' must be a string, not {type(value).__name__}")
        return value

    def names(self, name: str) -> tuple[str, ...] | None:
        if self.body is not None:
            return body_str_list(self.body, name)
        value = request.args.get(name)
        return None if value is None else tuple(v for v in value.split(",") if v)

    def flag(self, name: str) -> bool:
        value = self.body.get(name) if self.body is not None else request.args.get(name)
        if value is None or value == "":
            return False
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise bad_request(f"'{name}' must be true or false, not {value!r}")

    def time(self, name: str) -> float | None:
        text = self.text(name)
        return parse_date(text, f"'{name}'").timestamp() if text is not None else None


def _join(*parts: tuple[str, ...] | None) -> tuple[str, ...] | None:
    present = [p for p in parts if p is not None]
    if not present:
        return None
    result = set(present[0])
    for part in present[1:]:
        result &= set(part)
    return tuple(sorted(result))


def _common(p: Params) -> dict[str, Any]:
    one_id = p.text("processInstanceId")
    incident_type = p.text("incidentType")
    return {
        "ids": _join(p.names("processInstanceIds"), (one_id,) if one_id else None),
        "business_key": p.text("businessKey"),
        "business_key_like": p.text("businessKeyLike"),
        "definition_keys": _join(
            (k,) if (k := p.text("processDefinitionKey")) else None, p.names("processDefinitionKeyIn")
        ),
        "definition_ids": (d,) if (d := p.text("processDefinitionId")) else None,
        "deployment_id": p.text("deploymentId"),
        "with_incident": p.flag("withIncident") or p.flag("withIncidents"),
        "incident_type": incident_kinds(incident_type)[0] if incident_type else None,
    }


def runtime_query(body: dict[str, Any] | None = None) -> InstanceQuery | None:
    """Running instances only (ended ones are history); None when the filters exclude everything."""
    p = Params(body)
    if p.flag("suspended"):
        return None  # steadyflow never suspends instances
    return InstanceQuery(states=("running",), **_common(p))


def history_query(body: dict[str, Any] | None = None) -> InstanceQuery | None:
    p = Params(body)
    states: set[str] = set(HISTORY_STATES)
    if p.flag("finished"):
        states -= {"running"}
    if p.flag("unfinished") or p.flag("active"):
        states &= {"running"}
    wanted = p.text("state")
    if wanted is not None:
        if wanted not in STATE_OF and wanted != "SUSPENDED":
            raise bad_request(f"Cannot set query parameter 'state' to value '{wanted}'; use one of {sorted(STATE_OF)}")
        states &= {STATE_OF.get(wanted, "")}
    if p.flag("suspended") or not states:
        return None
    return InstanceQuery(
        states=tuple(sorted(states)),
        started_after=p.time("startedAfter"),
        started_before=p.time("startedBefore"),
        ended_after=p.time("finishedAfter"),
        ended_before=p.time("finishedBefore"),
        **_common(p),
    )


Query = Callable[[dict[str, Any] | None], InstanceQuery | None]
