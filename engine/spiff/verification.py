"""The test suite's switch: compare every indexed answer and incremental checkpoint with a full walk.

``STEADYFLOW_VERIFY_TASK_INDEX=1`` (``tests/conftest.py`` sets it) turns it on for the process; it is
read once, when this module is first imported, because the hot path asks on every task query and
every step. A test changes it for its own duration with ``monkeypatch.setattr(verification, "ON", ...)``.
"""

from __future__ import annotations

import os

ENV = "STEADYFLOW_VERIFY_TASK_INDEX"
ON = os.environ.get(ENV, "") == "1"
"""Verify (slow; for the test suite)."""


def verifying() -> bool:
    return ON


__all__ = ["ENV", "ON", "verifying"]
