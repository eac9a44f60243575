"""The sandbox process: runs one checked script under OS limits and answers in JSON.

Started by :mod:`engine.sandbox.runner` as ``python -I -m engine.sandbox.child``
with an empty environment. It reads one request from stdin (the code object
the parent compiled under the policy, the variables, the limits), lowers its
own resource limits, gives up root, runs the script and writes one reply to
stdout. Limits are set here, not in a ``preexec_fn``, because that hook is not
safe in a multi-threaded parent such as the worker pool.

Reply: ``{"ok": true, "changed": {name: value}}`` or
``{"ok": false, "kind": ..., "message": ..., "line": ...}``.
"""

from __future__ import annotations

import base64
import contextlib
import json
import marshal
import math
import os
import resource
import signal
import sys
from types import FrameType, TracebackType
from typing import Any

from engine.sandbox.namespace import GUARD_NAMES, script_globals
from engine.sandbox.policy import SCRIPT_FILENAME
from engine.sandbox.values import DATA_TYPES, canonical_json, unstorable_reason

OPEN_FILES = 3  # stdin, stdout and stderr are open; no new file or socket can be
NOBODY = 65534
RESERVE_BYTES = 1 << 20  # freed on MemoryError so the reply can still be written
_MB = 1024 * 1024


class ScriptTimeout(BaseException):
    """Raised into the script by SIGALRM; a BaseException so ``except Exception`` cannot swallow it."""


class OutputRefused(Exception):
    """A process variable was changed into something the engine cannot store."""


def limit_resources(memory_mb: int, timeout_s: float) -> None:
    """Lower this process's limits for good (hard = soft, so nothing can raise them again)."""
    cpu_s = math.ceil(timeout_s) + 1  # a backstop: the parent's wall clock normally acts first
    _lower(resource.RLIMIT_AS, memory_mb * _MB)
    _lower(resource.RLIMIT_CPU, cpu_s, cpu_s + 1)  # SIGXCPU before SIGKILL, so the parent can tell why
    _lower(resource.RLIMIT_FSIZE, 0)
    _lower(resource.RLIMIT_NOFILE, OPEN_FILES)
    _lower(resource.RLIMIT_NPROC, 0)
    _lower(resource.RLIMIT_CORE, 0)
    _drop_root()


def _lower(limit: int, soft: int, hard: int | None = None) -> None:
    hard = soft if hard is None else hard
    _, current_hard = resource.getrlimit(limit)
    if current_hard != resource.RLIM_INFINITY:
        soft, hard = min(soft, current_hard), min(hard, current_hard)
    resource.setrlimit(limit, (soft, hard))


def _drop_root() -> None:
    """Run as nobody when started as root (common in containers); RLIMIT_NPROC only binds non-root."""
    if os.geteuid() != 0:
        return
    with contextlib.suppress(OSError):  # no CAP_SETUID (user namespaces): the other layers still hold
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    # Re-arm first: a script that swallows the stop with a bare except gets it again soon.
    signal.setitimer(signal.ITIMER_REAL, 0.05)
    raise ScriptTimeout


def _script_line(traceback: TracebackType | None) -> int | None:
    """The innermost line of the script itself in a traceback (guards and helpers are skipped)."""
    line = None
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == SCRIPT_FILENAME:
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return line


def _failure(kind: str, message: str, line: int | None = None) -> str:
    return json.dumps({"ok": False, "kind": kind, "message": message, "line": line})


def _describe(exc: BaseException, withheld: dict[str, str]) -> str:
    try:
        text = str(exc)
    except Exception:  # noqa: BLE001 - a message that cannot be built must not hide the error
        text = ""
    text = text if len(text) <= 300 else text[:297] + "..."
    detail = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    if isinstance(exc, NameError) and exc.name in withheld:
        detail += f" (not passed to the script because {withheld[exc.name]}; scripts get JSON values only)"
    return detail


def changed_variables(namespace: dict[str, Any], originals: dict[str, str]) -> dict[str, str]:
    """JSON text of each storable top-level name that is new or differs from its input.

    New names holding functions, sets, iterators and the like are the script's
    own helpers and are left out. A data value (number, text, list, dict) that
    cannot be stored, or an input variable turned into a helper, is an error:
    silently dropping it, or keeping the old value, would hide a bug.
    """
    changed: dict[str, str] = {}
    for name, value in namespace.items():
        if name.startswith("_") or name in GUARD_NAMES:
            continue
        reason = unstorable_reason(value, name)
        if reason is None:
            try:
                text = canonical_json(value)
            except ValueError as exc:  # e.g. an int with more digits than Python will print
                reason = f"{name} cannot be written as JSON ({exc})"
        if reason is not None:
            if name in originals or type(value) in DATA_TYPES:
                raise OutputRefused(f"the variable '{name}' cannot be stored: {reason}")
            continue
        if originals.get(name) != text:
            changed[name] = text
    return changed


def run_script(request: dict[str, Any]) -> str:
    """Run the request's script to completion or failure; return the reply as JSON text."""
    code = marshal.loads(base64.b64decode(request["code"]))
    variables: dict[str, Any] = request["variables"]
    withheld: dict[str, str] = request["withheld"]
    timeout_s, memory_mb = float(request["timeout_s"]), int(request["memory_mb"])
    originals = {name: canonical_json(value) for name, value in variables.items()}
    namespace = script_globals(variables)
    reserve: bytearray | None = bytearray(RESERVE_BYTES)
    limit_resources(memory_mb, timeout_s)
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout_s)
    try:
        exec(code, namespace)
        changed = changed_variables(namespace, originals)
    except ScriptTimeout as exc:
        return _failure("timeout", f"it ran longer than {timeout_s:g} s", _script_line(exc.__traceback__))
    except MemoryError as exc:
        line = _script_line(exc.__traceback__)
        exc.__traceback__ = None  # the frames hold the script's big values
        reserve = None
        namespace.clear()
        return _failure("memory", f"it needed more than the {memory_mb} MB it may use", line)
    except OutputRefused as exc:
        return _failure("output", str(exc))
    except BaseException as exc:  # noqa: BLE001 - whatever the script raised is its result
        return _failure("runtime", _describe(exc, withheld), _script_line(exc.__traceback__))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    del reserve
    size = sum(len(name) + len(text) + 4 for name, text in changed.items())
    if size > request["output_limit"]:
        return _failure(
            "output", f"its changed variables take {size} bytes as JSON; the limit is {request['output_limit']} bytes"
        )
    members = ",".join(f"{json.dumps(name)}:{text}" for name, text in changed.items())
    return f'{{"ok":true,"changed":{{{members}}}}}'


def main() -> None:
    """Answer exactly one request; whatever happens, the parent gets a JSON reply or an exit status."""
    try:
        reply = run_script(json.loads(sys.stdin.buffer.read()))
    except ScriptTimeout:  # the alarm hit our own bookkeeping after the script
        signal.setitimer(signal.ITIMER_REAL, 0)
        reply = _failure("timeout", "it ran longer than its time limit")
    except MemoryError:
        reply = _failure("memory", "it needed more memory than it may use")
    except BaseException as exc:  # noqa: BLE001 - the parent needs an answer, not a traceback
        reply = _failure("runtime", f"the sandbox process failed: {type(exc).__name__}: {exc}")
    sys.stdout.buffer.write(reply.encode("utf-8"))
    sys.stdout.buffer.flush()
    os._exit(0)  # skip interpreter teardown of whatever the script built


if __name__ == "__main__":
    main()
