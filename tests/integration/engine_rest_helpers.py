"""Requests as Camunda Modeler and Camunda 7 clients send them, for the engine_rest tests."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import httpx

from tests.integration.conftest import PASSWORDS

BOUNDARY = "----WebKitFormBoundaryq8XkVc2bC9mJd3Tz"
"""Modeler is an Electron (Chromium) app: its FormData bodies use a WebKit-style boundary."""


def modeler_headers(role: str | None = None, *, token: str | None = None) -> dict[str, str]:
    """The headers Modeler's CamundaAPI.getHeaders() sends: accept, plus authorization when configured."""
    headers = {"accept": "application/json"}
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    elif role is not None:
        credentials = base64.b64encode(f"{role}:{PASSWORDS[role]}".encode()).decode()
        headers["authorization"] = f"Basic {credentials}"
    return headers


def modeler_deploy_body(
    name: str, filename: str, xml: bytes, *, tenant_id: str | None = None, attachments: list[tuple[str, bytes]] = ()
) -> tuple[bytes, str]:
    """The multipart body of Modeler's deployDiagram(), in its order: name, source, filtering, tenant, file."""
    parts = [
        _field("deployment-name", name.encode()),
        _field("deployment-source", b"Camunda Modeler"),
        _field("enable-duplicate-filtering", b"true"),
    ]
    if tenant_id:
        parts.append(_field("tenant-id", tenant_id.encode()))
    parts.append(_file(filename, xml, "text/xml"))
    for attachment_name, data in attachments:
        parts.append(_file(attachment_name, data, "application/octet-stream"))
    body = b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()
    return body, f"multipart/form-data; boundary={BOUNDARY}"


def deploy_as_modeler(rest: str, path: Path, auth: tuple[str, str]) -> dict[str, Any]:
    """Deploy ``path`` to the engine-rest root ``rest`` as Modeler's Deploy button does; its answer (must be 200)."""
    body, content_type = modeler_deploy_body(path.stem, path.name, path.read_bytes())
    response = httpx.post(
        f"{rest}/deployment/create",
        content=body,
        headers={"content-type": content_type, "accept": "application/json"},
        auth=auth,
        timeout=60,
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def _field(name: str, value: bytes) -> bytes:
    return f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value + b"\r\n"


def _file(name: str, data: bytes, content_type: str) -> bytes:
    head = (
        f"--{BOUNDARY}\r\n"
        f'Content-Disposition: form-data; name="{name}"; filename="{name}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    )
    return head.encode() + data + b"\r\n"


def typed(value: Any, type_: str | None = None) -> dict[str, Any]:
    """A Camunda 7 typed variable value."""
    return {"value": value, "type": type_} if type_ else {"value": value}
