"""Messages and signals: correlate a message now, publish one (buffered for its time to live), broadcast a signal.

A publication goes through ``Engine.publish``: it reaches the instances that
wait for it now (one per process) and, with a ``timeToLive``, instances that
reach a matching catch event later, within that time. A ``messageId`` publishes
once while its message is buffered: a repeat answers the first ``messageKey``.
A correlation (``/messages/correlation``) delivers now or answers 404.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, jsonify

from engine.message_buffer import MAX_TTL_S
from webui.auth import requires
from webui.camunda8 import bp
from webui.camunda8.context import TENANT, C8Context, c8
from webui.camunda8.request_input import json_body, number, tenant, text, variables

MAX_TTL_MS = int(MAX_TTL_S * 1000)


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
    ttl_ms = number(body, "timeToLive", minimum=0, maximum=MAX_TTL_MS) or 0
    message_id = text(body, "messageId") or None
    context = c8()
    published = context.engine.publish(name, correlation_key, values, ttl_s=ttl_ms / 1000.0, message_id=message_id)
    return jsonify({"messageKey": str(context.keys.key("message", published.message_row)), "tenantId": TENANT})


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
