"""Keeping credentials out of the REST connector's messages and logs.

Incident messages, retry details and log lines are read by people who must not
see passwords, tokens or API keys. Two rules keep them out:

* URLs are shown by :func:`safe_url`: no user info, every query value ``***``
  (query strings often carry keys under names no heuristic recognises);
* every other text passes :meth:`Redactor.scrub`, which shows the raw
  request URL in that safe form and replaces each known secret value
  (authentication fields, the encoded ``Authorization`` header, values of
  headers and query parameters with credential-like names) by ``***``.

httpx logs every request line, full URL included, at INFO. While a connector
call runs, :func:`redacting_logs` makes a filter on httpx's and httpcore's
loggers scrub those records too; records of other callers are left alone.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit, urlunsplit

MASK = "***"

#: Header and query parameter names whose values are treated as secrets.
SENSITIVE_NAME = re.compile(
    r"auth|token|secret|passw|api[-_]?key|apikey|cookie|session|signature|credential|private",
    re.IGNORECASE,
)

_THIRD_PARTY_LOGGERS = (
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
)


@dataclass(frozen=True)
class Redactor:
    """Replaces known secret values (and raw URLs) in text by their safe forms."""

    replacements: tuple[tuple[str, str], ...] = ()

    def with_secrets(self, values: Iterable[str]) -> Redactor:
        """A redactor that also shows each of ``values`` as ``***`` (empty ones are ignored)."""
        return self._merged((v, MASK) for v in values if v)

    def with_url(self, url: str) -> Redactor:
        """A redactor that also shows ``url`` as :func:`safe_url` does."""
        return self._merged([(url, safe_url(url))] if url else [])

    def _merged(self, pairs: Iterable[tuple[str, str]]) -> Redactor:
        merged = dict(self.replacements)
        merged.update(pairs)
        # Longest first, so a URL or secret containing another is replaced whole.
        return Redactor(tuple(sorted(merged.items(), key=lambda pair: len(pair[0]), reverse=True)))

    def scrub(self, text: str) -> str:
        for raw, shown in self.replacements:
            if raw in text:
                text = text.replace(raw, shown)
        return text


def safe_url(url: str) -> str:
    """``url`` without user info and with every query value shown as ``***``."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "<unparsable URL>"
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = f"{host}:{port}" if port is not None else host
    query = "&".join(f"{name}={MASK}" for name, _ in parse_qsl(parts.query, keep_blank_values=True))
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def url_secrets(url: str) -> list[str]:
    """The password in ``url``'s user info, if any."""
    try:
        password = urlsplit(url).password
    except ValueError:
        return []
    return [password] if password else []


def excerpt(text: str, redactor: Redactor, limit: int = 300) -> str:
    """One scrubbed line of at most ``limit`` characters, for messages."""
    line = " ".join(redactor.scrub(text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


_active_redactor: ContextVar[Redactor | None] = ContextVar("steadyflow_http_redactor", default=None)


class _ScrubActiveSecrets(logging.Filter):
    """Scrubs records logged while a connector call on this thread or task is running."""

    def filter(self, record: logging.LogRecord) -> bool:
        redactor = _active_redactor.get()
        if redactor is not None:
            record.msg = redactor.scrub(record.getMessage())
            record.args = None
        return True


_FILTER = _ScrubActiveSecrets()


def _install_filter() -> None:
    for name in _THIRD_PARTY_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


@contextmanager
def redacting_logs(redactor: Redactor) -> Iterator[None]:
    """Scrub ``redactor``'s secrets from httpx/httpcore log records emitted inside the block."""
    _install_filter()
    token = _active_redactor.set(redactor)
    try:
        yield
    finally:
        _active_redactor.reset(token)
