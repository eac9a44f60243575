"""The REST connector's view of an answer: ``{status, headers, body}``.

This is the object a ``resultVariable`` stores and the ``response`` that
``resultExpression`` and ``errorExpression`` see. As in Camunda, header names
keep the server's spelling, the first of repeated headers wins except
``Set-Cookie``, which becomes a list, and an empty body is ``null``. The body
is parsed as JSON when the content type is JSON (``application/json`` or any
``+json`` type) and the text parses; otherwise it is text.

A body larger than :data:`MAX_RESPONSE_BYTES` (after content decoding) is
refused: it would be written into the process's variables on every step.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

MAX_RESPONSE_BYTES = 10 * 1024 * 1024


class ResponseTooLarge(Exception):
    """The answer's body exceeds :data:`MAX_RESPONSE_BYTES`."""


@dataclass(frozen=True)
class HttpResponse:
    status: int
    reason: str
    headers: dict[str, Any]
    body: Any

    def as_variable(self) -> dict[str, Any]:
        """The ``{status, headers, body}`` object of Camunda's connector."""
        return {"status": self.status, "headers": self.headers, "body": self.body}


def response_headers(raw: Iterable[tuple[bytes, bytes]]) -> dict[str, Any]:
    """Headers by the server's spelling; ``Set-Cookie`` collects a list."""
    headers: dict[str, Any] = {}
    seen: dict[str, str] = {}
    for raw_name, raw_value in raw:
        name, value = raw_name.decode("latin-1"), raw_value.decode("latin-1")
        key = seen.setdefault(name.lower(), name)
        if name.lower() == "set-cookie":
            headers.setdefault(key, []).append(value)
        elif key not in headers:
            headers[key] = value
    return headers


def read_limited(chunks: Iterable[bytes], limit: int = MAX_RESPONSE_BYTES) -> bytes:
    """Join ``chunks``, refusing more than ``limit`` bytes."""
    parts: list[bytes] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise ResponseTooLarge(f"the response body is larger than {limit} bytes")
        parts.append(chunk)
    return b"".join(parts)


def decode_body(content: bytes, content_type: str | None, charset: str | None) -> Any:
    """JSON for JSON content types (when it parses), else text; ``None`` when empty."""
    text = content.decode(_codec(charset), errors="replace")
    if not text.strip():
        return None
    if is_json_type(content_type):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def is_json_type(content_type: str | None) -> bool:
    if not content_type:
        return False
    mime = content_type.split(";")[0].strip().lower()
    return mime == "application/json" or mime.endswith("+json")


def _codec(charset: str | None) -> str:
    if charset:
        try:
            "".encode(charset)
        except LookupError:
            return "utf-8"
        return charset
    return "utf-8"


def body_text(body: Any) -> str:
    """The body as one text, for message excerpts."""
    if body is None:
        return "(empty body)"
    if isinstance(body, str):
        return body
    return json.dumps(body, default=str, ensure_ascii=False)
