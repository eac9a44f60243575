"""Run a script task in a fresh sandbox process and turn its reply into variables or a ScriptError.

One process per script: nothing a script leaves behind (a grown heap, a
half-finished loop) can reach the next one, and a crash or a kill costs only
that process. The parent never trusts the child to stop: it holds the wall
clock, and kills the whole process group when the time is up.
"""

from __future__ import annotations

import base64
import contextlib
import json
import marshal
import math
import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from types import CodeType
from typing import Any, get_args

from engine.sandbox.errors import ScriptError, ScriptErrorKind
from engine.sandbox.policy import compile_script
from engine.sandbox.values import canonical_json, unstorable_reason
from steadyflow.errors import InvalidInputError

CHILD_COMMAND = (sys.executable, "-I", "-m", "engine.sandbox.child")
STARTUP_ALLOWANCE_S = 0.5  # interpreter start before the script's own clock runs
OUTPUT_LIMIT_BYTES = 1_000_000
MIN_MEMORY_MB = 64  # the interpreter itself needs about 30 MB of address space
_REPLY_SLACK_BYTES = 64_000  # the reply's own keys and an error message
_KINDS: tuple[str, ...] = get_args(ScriptErrorKind)


def run_python_script(
    source: str, variables: Mapping[str, Any], *, timeout_s: float = 2.0, memory_mb: int = 256
) -> dict[str, Any]:
    """Run a script task with ``variables`` as its top-level names; return what it changed.

    The result maps every top-level name the script assigned or changed, and
    whose value is storable (None, bool, int, finite float, str, list, dict;
    tuples become lists), to its new value. Names the script bound to anything
    else (its functions, sets, ...) are its own helpers and are left out;
    changing an input variable into such a value is a ScriptError "output".
    Deleted variables are not reported. Variables that cannot be passed as
    JSON are withheld from the script. Raises ScriptError for every failure of
    the script, InvalidInputError for limits that make no sense.
    """
    if not (isinstance(timeout_s, int | float) and math.isfinite(timeout_s) and timeout_s > 0):
        raise InvalidInputError(f"a script's timeout must be a positive number of seconds, not {timeout_s!r}")
    if not isinstance(memory_mb, int) or memory_mb < MIN_MEMORY_MB:
        raise InvalidInputError(f"a script's memory limit must be at least {MIN_MEMORY_MB} MB, not {memory_mb!r}")
    return run_code(compile_script(source), variables, timeout_s=timeout_s, memory_mb=memory_mb)


def run_code(
    code: CodeType,
    variables: Mapping[str, Any],
    *,
    timeout_s: float,
    memory_mb: int,
    output_limit: int = OUTPUT_LIMIT_BYTES,
) -> dict[str, Any]:
    """Run code from :func:`compile_script` in a sandbox process (tests also pass code it would refuse)."""
    passed, withheld = split_variables(variables)
    request = {
        "code": base64.b64encode(marshal.dumps(code)).decode("ascii"),
        "variables": passed,
        "withheld": withheld,
        "timeout_s": timeout_s,
        "memory_mb": memory_mb,
        "output_limit": output_limit,
    }
    out, err, status = _exchange(json.dumps(request, allow_nan=False).encode("utf-8"), timeout_s)
    if len(out) > output_limit + _REPLY_SLACK_BYTES:
        raise ScriptError(f"its reply is {len(out)} bytes; the limit is {output_limit} bytes", kind="output")
    return _result(_parse(out), err, status, timeout_s)


def split_variables(variables: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """(variables passed to the script, reason each other one is withheld).

    Names a script cannot spell (not identifiers, or starting with "_", which
    would also shadow the guards) are dropped without a reason.
    """
    passed: dict[str, Any] = {}
    withheld: dict[str, str] = {}
    for name, value in variables.items():
        if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
            continue
        reason = unstorable_reason(value, name)
        if reason is None:
            try:
                canonical_json(value)
            except ValueError as exc:
                reason = f"{name} cannot be written as JSON ({exc})"
        if reason is None:
            passed[name] = value
        else:
            withheld[name] = reason
    return passed, withheld


def _exchange(request: bytes, timeout_s: float) -> tuple[bytes, bytes, int]:
    """Start the sandbox process, send the request, and collect its output within the deadline."""
    try:
        process = subprocess.Popen(
            CHILD_COMMAND,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={},  # nothing of the engine's environment (database URLs, tokens) reaches the script
            cwd="/",
            start_new_session=True,  # its own process group, so one kill stops everything it is
        )
    except OSError as exc:
        raise ScriptError(f"the sandbox process could not be started ({exc}); check the host", kind="runtime") from exc
    try:
        out, err = process.communicate(request, timeout=timeout_s + STARTUP_ALLOWANCE_S)
    except subprocess.TimeoutExpired:
        _kill(process)
        raise ScriptError(f"it ran longer than {timeout_s:g} s", kind="timeout") from None
    except BaseException:
        _kill(process)
        raise
    return out, err, process.returncode


def _kill(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)  # not yet reaped, so the group id is still ours
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.communicate(timeout=5)


def _parse(out: bytes) -> dict[str, Any] | None:
    try:
        reply = json.loads(out)
    except (ValueError, RecursionError):
        return None
    return reply if isinstance(reply, dict) else None


def _result(reply: dict[str, Any] | None, err: bytes, status: int, timeout_s: float) -> dict[str, Any]:
    if reply is None:
        raise _crash_error(status, err, timeout_s)
    changed = reply.get("changed")
    if reply.get("ok") is True and isinstance(changed, dict):
        return changed
    kind = reply.get("kind")
    line = reply.get("line")
    raise ScriptError(
        str(reply.get("message") or "the sandbox gave no reason"),
        kind=kind if kind in _KINDS else "runtime",
        line=line if isinstance(line, int) else None,
    )


def _crash_error(status: int, err: bytes, timeout_s: float) -> ScriptError:
    """The process ended without a reply: name the likely cause from how it ended."""
    stderr = err.decode("utf-8", "replace")
    last_line = stderr.strip().splitlines()[-1][:300] if stderr.strip() else "no message"
    if "MemoryError" in stderr or "Cannot allocate memory" in stderr:
        return ScriptError(f"its process ran out of memory ({last_line})", kind="memory")
    if status == -signal.SIGXCPU:
        return ScriptError(f"it used more than {math.ceil(timeout_s) + 1} s of CPU time", kind="timeout")
    if status == -signal.SIGKILL:
        return ScriptError("its process was killed by the operating system, most likely for memory", kind="memory")
    if status < 0:
        try:
            name = signal.Signals(-status).name
        except ValueError:
            name = f"signal {-status}"
        return ScriptError(f"its process crashed with {name} (deep recursion in C code can do this)", kind="runtime")
    return ScriptError(f"its process exited with status {status} without a reply: {last_line}", kind="runtime")
