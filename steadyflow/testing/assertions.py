"""``assert_that(instance)``: assertions on a process instance in Camunda's vocabulary.

Each assertion reads the instance; when it does not hold yet, the test's driver
runs what is runnable (due timers, mocked jobs, messages) and it is checked
again, until it holds, nothing more can happen, or ``timeout_s`` (real time)
has passed. A failure names the instance, what was expected and what was seen
instead: "expected the instance to be waiting at X; it is waiting at Y, Z".
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from steadyflow.testing.harness import ProcessInstance
from steadyflow.testing.state import InstanceSnapshot

DEFAULT_TIMEOUT_S = 5.0
Check = Callable[[InstanceSnapshot], str | None]
"""Returns None when the assertion holds, else what was seen instead."""


def assert_that(instance: ProcessInstance, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> InstanceAssert:
    return InstanceAssert(instance, timeout_s)


class InstanceAssert:
    def __init__(self, instance: ProcessInstance, timeout_s: float) -> None:
        self.instance = instance
        self.timeout_s = timeout_s

    # -- the wait ------------------------------------------------------------------
    def holds(self, expected: str, check: Check) -> InstanceAssert:
        """Wait until ``check`` passes (None), else fail with ``expected`` and what it saw."""
        deadline = time.monotonic() + self.timeout_s
        while True:
            seen = self.instance.snapshot()
            problem = check(seen)
            if problem is None:
                return self
            if self.instance.test.run_until_idle() == 0 or time.monotonic() >= deadline:
                raise AssertionError(f"expected {self._name(seen)} {expected}; {problem}")

    def _name(self, seen: InstanceSnapshot) -> str:
        return f"instance {seen.instance_id} of '{seen.process_id}'"

    # -- state ---------------------------------------------------------------------
    def is_completed(self) -> InstanceAssert:
        return self.holds("to be completed", lambda s: None if s.state == "completed" else _state_seen(s))

    def is_active(self) -> InstanceAssert:
        return self.holds("to be active", lambda s: None if s.state in ("running", "incident") else _state_seen(s))

    def is_terminated(self) -> InstanceAssert:
        return self.holds("to be terminated", lambda s: None if s.state == "cancelled" else _state_seen(s))

    # -- elements ------------------------------------------------------------------
    def is_waiting_at(self, *element_ids: str) -> InstanceAssert:
        def check(s: InstanceSnapshot) -> str | None:
            return None if all(e in s.active for e in element_ids) else s.where()

        return self.holds(f"to be waiting at {_ids(element_ids)}", check)

    def is_waiting_exactly_at(self, *element_ids: str) -> InstanceAssert:
        def check(s: InstanceSnapshot) -> str | None:
            return None if set(s.active) == set(element_ids) else s.where()

        return self.holds(f"to be waiting at exactly {_ids(element_ids)}", check)

    def is_not_waiting_at(self, *element_ids: str) -> InstanceAssert:
        def check(s: InstanceSnapshot) -> str | None:
            still = [e for e in element_ids if e in s.active]
            return f"it is still waiting at {_ids(still)}" if still else None

        return self.holds(f"not to be waiting at {_ids(element_ids)}", check)

    def has_passed(self, *element_ids: str, times: int | None = None) -> InstanceAssert:
        def check(s: InstanceSnapshot) -> str | None:
            if times is not None:
                counts = {e: s.completed.count(e) for e in element_ids}
                wrong = {e: n for e, n in counts.items() if n != times}
                return None if not wrong else "; ".join(f"it passed {e} {n} time(s)" for e, n in wrong.items())
            return None if all(e in s.completed for e in element_ids) else _passed_seen(s)

        what = f"to have passed {_ids(element_ids)}" + (f" {times} time(s)" if times is not None else "")
        return self.holds(what, check)

    def has_passed_in_order(self, *element_ids: str) -> InstanceAssert:
        def check(s: InstanceSnapshot) -> str | None:
            position = 0
            for element in s.completed:
                if position < len(element_ids) and element == element_ids[position]:
                    position += 1
            return None if position == len(element_ids) else _passed_seen(s)

        return self.holds(f"to have passed {_ids(element_ids)} in this order", check)

    def has_not_passed(self, *element_ids: str) -> InstanceAssert:
        def check(s: InstanceSnapshot) -> str | None:
            passed = [e for e in element_ids if e in s.completed]
            return f"it passed {_ids(passed)}" if passed else None

        # Not passed is a settled fact only once nothing more can run: let the driver finish first.
        self.instance.test.run_until_idle()
        return self.holds(f"not to have passed {_ids(element_ids)}", check)

    def has_not_activated(self, *element_ids: str) -> InstanceAssert:
        def check(s: InstanceSnapshot) -> str | None:
            reached = [e for e in element_ids if e in s.activated or e in s.completed or e in s.active]
            return f"it reached {_ids(reached)}" if reached else None

        self.instance.test.run_until_idle()
        return self.holds(f"never to have reached {_ids(element_ids)}", check)

    def has_terminated(self, *element_ids: str) -> InstanceAssert:
        def check(s: InstanceSnapshot) -> str | None:
            missing = [e for e in element_ids if e not in s.terminated]
            terminated = _ids(s.terminated) if s.terminated else "no element"
            return f"{_ids(missing)} were not terminated (terminated: {terminated})" if missing else None

        return self.holds(f"to have terminated {_ids(element_ids)}", check)

    # -- variables -----------------------------------------------------------------
    def has_variables(self, *expected: str | Mapping[str, Any], **values: Any) -> InstanceAssert:
        """Names that must exist, and/or name -> value pairs (a mapping or keywords) that must be equal."""
        names = [e for e in expected if isinstance(e, str)]
        wanted: dict[str, Any] = {}
        for e in expected:
            if isinstance(e, Mapping):
                wanted.update(e)
        wanted.update(values)

        def check(s: InstanceSnapshot) -> str | None:
            problems = [f"'{n}' is not set" for n in names if n not in s.variables]
            for name, value in wanted.items():
                if name not in s.variables:
                    problems.append(f"'{name}' is not set")
                elif s.variables[name] != value:
                    problems.append(f"'{name}' is {s.variables[name]!r}, not {value!r}")
            if not problems:
                return None
            return "; ".join(problems) + f" (variables: {', '.join(sorted(s.variables)) or 'none'})"

        shown = [*names, *(f"{k}={v!r}" for k, v in wanted.items())]
        return self.holds(f"to have the variables {', '.join(shown)}", check)

    # -- incidents -----------------------------------------------------------------
    def has_incident(self, element_id: str | None = None, *, message: str | None = None) -> InstanceAssert:
        """An open incident (at ``element_id``; whose message contains ``message``)."""

        def check(s: InstanceSnapshot) -> str | None:
            for incident in s.open_incidents:
                if element_id is not None and incident["element_id"] != element_id:
                    continue
                if message is not None and message not in incident["message"]:
                    continue
                return None
            if not s.open_incidents:
                return f"it has no open incident ({s.where()})"
            return "its open incidents are: " + "; ".join(
                f"at {i['element_id']}: {i['message']}" for i in s.open_incidents
            )

        where = f" at {element_id}" if element_id else ""
        about = f" saying {message!r}" if message else ""
        return self.holds(f"to have an incident{where}{about}", check)

    def has_no_incidents(self) -> InstanceAssert:
        def check(s: InstanceSnapshot) -> str | None:
            if not s.open_incidents:
                return None
            return "it has: " + "; ".join(f"at {i['element_id']}: {i['message']}" for i in s.open_incidents)

        self.instance.test.run_until_idle()  # settled only once nothing more can run, as has_not_passed
        return self.holds("to have no open incident", check)


def _ids(element_ids: tuple[str, ...] | list[str]) -> str:
    return ", ".join(element_ids)


def _state_seen(s: InstanceSnapshot) -> str:
    return f"it is {s.describe_state()}" + (f", waiting at {_ids(list(dict.fromkeys(s.active)))}" if s.active else "")


def _passed_seen(s: InstanceSnapshot) -> str:
    if not s.completed:
        return "it has passed no element yet"
    return f"it has passed {_ids(list(dict.fromkeys(s.completed)))} ({s.where()})"
