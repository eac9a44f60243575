"""How the REST connector's failures reach the engine.

Every outcome of a call is one of the engine's handler signals, chosen so that
a retry happens only when a retry can help::

    BpmnError            errorExpression returned a context with a ``code``
    NonRetryableError    an incident at once: bad inputs or expressions, or a
                         4xx answer other than 408/429 (the request is wrong)
    TransientHttpError   retried by the job's retry policy: 5xx, 408, 429,
                         refused or dropped connections, timeouts

Every message names the service task, the method and the URL with its
credentials and query values replaced by ``***``, and says what to do next.
"""

from __future__ import annotations

#: 4xx answers that say "try again later" rather than "your request is wrong".
RETRYABLE_CLIENT_STATUSES = frozenset({408, 429})


class TransientHttpError(Exception):
    """A failure that may go away by itself; the job's retry policy retries it."""


def is_success(status: int) -> bool:
    """Below 400, as Camunda's connector counts it (3xx arrive only without followRedirects)."""
    return status < 400


def is_retryable_status(status: int) -> bool:
    """5xx and 408/429: the server, not the request, is the problem right now."""
    return status >= 500 or status in RETRYABLE_CLIENT_STATUSES
