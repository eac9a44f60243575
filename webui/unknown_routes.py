"""What an API's catch-all route answers: 405 with ``Allow`` when the path exists under another method, else 404.

A blueprint's catch-all matches every method, so werkzeug never sees a wrong method
on a real path; this finds the methods the path does support.
"""

from __future__ import annotations

from typing import NoReturn

from flask import current_app, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")


def refuse_unknown(not_found: str) -> NoReturn:
    """Raise the 405 (naming the methods the path supports) or the 404 with ``not_found`` as its text."""
    allowed = methods_elsewhere()
    if allowed:
        raise MethodNotAllowed(
            valid_methods=allowed,
            description=f"'{request.path}' does not support {request.method}; use {', '.join(allowed)}",
        )
    raise NotFound(not_found)


def methods_elsewhere() -> list[str]:
    """The methods under which another route than the catch-all matches this request's path."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    found: list[str] = []
    for method in METHODS:
        try:
            endpoint, _ = adapter.match(request.path, method=method)
        except HTTPException:
            continue
        if endpoint != request.endpoint:
            found.append(method)
    return found
