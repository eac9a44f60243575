"""Messages and signals: correlate a message now, publish one to a waiting instance, broadcast a signal.

steadyflow does not buffer messages yet: a publication that no instance waits
for (and no process starts with) is refused with 409 instead of being
accepted and silently lost. ``messageId`` deduplicates: a message id seen
before is answered with its first result and delivered nothing again.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, jsonify

from steadyflow.errors import NotFoundError
from webui.auth import requires
from webui.camunda8 import bp
from webui.camunda8.context import TENANT, C8Context, c8
from webui.camunda8.problems import C8Problem
from webui.camunda8.request_input import json_body, number, tenant, text, variables

MAX_TTL_MS = 2**63 - 1


def _message(body: dict[str, Any]) -> tuple[str, str | None, dict[str, Any]]:
    name = text(body, "name", required=True)
    assert name is not None
    correlation_key = text(body, "correlationKey")
    tenant(body.get("tenantId"))
    return name, correlation_key or None, variables(body)


def _instance_key(context: C8Context, results: list[dict[str, Any]]) -> str:
    return str(context.keys.key("instance", results[0]["instance_id"]))


@bp.post("/messages/correlation")
@requires("operator")
def correlate_message() -> Response:
    body = json_body()
    name, correlation_key, values = _message(body)
    context = c8()
    results = context.engine.correlate(name, correlation_key, values)
    return jsonify(
        {
            "messageKey": str(context.keys.key("message", str(uuid.uuid4()))),
            "tenantId": TENANT,
            "processInstanceKey": _instance_key(context, results),
        }
    )


@bp.post("/messages/publication")
@requires("operator")
def publish_message() -> Response:
    body = json_body()
    name, correlation_key, values = _message(body)
    number(body, "timeToLive", minimum=0, maximum=MAX_TTL_MS)
    message_id = text(body, "messageId") or None
    context = c8()
    try:
        context.engine.correlate(name, correlation_key, values, message_id=message_id)
    except NotFoundError as exc:
        raise C8Problem(
            409,
            f"{exc.message}. steadyflow does not buffer messages yet: publish it once an instance waits for it",
        ) from exc
    row = f"id:{message_id}" if message_id else str(uuid.uuid4())
    return jsonify({"messageKey": str(context.keys.key("message", row)), "tenantId": TENANT})


@bp.post("/signals/broadcast")
@requires("operator")
def broadcast_signal() -> Response:
    body = json_body()
    name = text(body, "signalName", required=True)
    assert name is not None
    tenant(body.get("tenantId"))
    values = variables(body)
    context = c8()
    context.engine.signal(name, values)
    return jsonify({"signalKey": str(context.keys.key("signal", str(uuid.uuid4()))), "tenantId": TENANT})
