"""Text output of the CLI: tables, the instance view, live progress bars."""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime
from typing import Any

BAR = 24


def _ts(value: float | None) -> str:
    return datetime.fromtimestamp(value).strftime("%Y-%m-%d %H:%M:%S") if value else "-"


def validation(results: list[dict[str, Any]]) -> None:
    for result in results:
        if result["ok"] and "decisions" in result:
            print(f"ok: {result['file']} (decisions: {', '.join(result['decisions'])})")
        elif result["ok"]:
            print(f"ok: {result['file']} (processes: {', '.join(result['processes'])})")
        else:
            print(f"refused: {result['file']}")
        for problem in result["errors"]:
            _problem("error", problem)
        for problem in result["warnings"]:
            _problem("warning", problem)


def _problem(kind: str, p: dict[str, Any]) -> None:
    where = f"line {p.get('line')}" if p.get("line") else "file"
    element = f" element '{p['element_id']}'" if p.get("element_id") else ""
    hint = f" -> {p['hint']}" if p.get("hint") else ""
    print(f"  {kind}: {where}{element}: {p['message']}{hint}")


def instances(rows: list[Any]) -> None:
    if not rows:
        print("no instances")
        return
    print(f"{'ID':36}  {'PROCESS':28}  {'STATE':10}  {'INC':>3}  {'STARTED':19}  BUSINESS KEY")
    for r in rows:
        print(
            f"{r.id:36}  {r.definition_key[:28]:28}  {r.state:10}  {r.open_incidents:>3}  "
            f"{_ts(r.started_at):19}  {r.business_key or ''}"
        )


def instance(view: Any, scopes: list[dict[str, Any]] | None = None, labels: dict[str, str] | None = None) -> None:
    """The instance; ``scopes`` (from the monitor) shows variables per scope, ``labels`` names activity instances."""
    i = view.instance
    print(f"instance {i['id']}")
    print(f"  process   {i['definition_id']}")
    print(f"  state     {i['state']}" + (f"  ({i['open_incidents']} open incident(s))" if i["open_incidents"] else ""))
    print(f"  business  {i['business_key'] or '-'}")
    print(f"  started   {_ts(i['started_at'])}   ended {_ts(i['ended_at'])}")
    print("activities:")
    for a in view.activities:
        duration = f"{a.ended_at - a.started_at:.2f}s" if a.started_at and a.ended_at else ""
        label = (labels or {}).get(a.task_id, a.element_id)
        print(f"  {label[:44]:44} {a.state:10} {_ts(a.started_at)} {duration}")
    if view.jobs:
        print("jobs:")
        for j in view.jobs:
            print(
                f"  {j['id']} {j['type']:20} {j['state']:8} attempt {j['attempt']} retries left "
                f"{j['retries_left']} due {_ts(j['due_at'])}"
                + (f" last error: {j['last_error']}" if j["last_error"] else "")
            )
    open_incidents = [x for x in view.incidents if x["state"] == "open"]
    if open_incidents:
        print("incidents:")
        for x in open_incidents:
            print(f"  {x['element_id']}: {x['message']}  (fix it, then: steadyflow retry {i['id']})")
    for scope in scopes if scopes is not None else [{"kind": "process", "variables": view.variables}]:
        if not scope["variables"] or (scope["kind"] != "process" and not scope.get("active")):
            continue
        print("variables:" if scope["kind"] == "process" else f"variables of {scope['label']} ({scope['kind']}):")
        for key, value in sorted(scope["variables"].items()):
            print(f"  {key} = {_short(value)}")
    print("history:")
    for e in view.history:
        data = e["data"] or {}
        detail = " ".join(f"{k}={_short(v)}" for k, v in data.items() if v not in (None, [], {}))
        print(f"  {e['seq']:>4} {_ts(e['at'])} {e['type']:20} {e['element_id'] or '':32} {detail}")


def _short(value: Any, limit: int = 80) -> str:
    """A value as JSON (what --var takes and the API answers), cut to ``limit`` characters."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _bars(view: Any) -> list[str]:
    lines = []
    for element, counts in view.element_counts.items():
        total = counts["active"] + counts["completed"] + counts["incidents"] + counts["cancelled"]
        if total == 0:
            continue
        done = counts["completed"]
        filled = int(BAR * done / total)
        flag = f" incident x{counts['incidents']}" if counts["incidents"] else ""
        lines.append(f"  {element[:34]:34} [{'#' * filled}{'.' * (BAR - filled)}] {done}/{total}{flag}")
    return lines


def watch(engine: Any, instance_id: str, *, timeout_s: float | None) -> int:
    """Print progress per activity until the instance ends; 0 only when it completed."""
    started = time.monotonic()
    last: list[str] = []
    tty = sys.stdout.isatty()
    while True:
        view = engine.view(instance_id)
        lines = _bars(view)
        if lines != last:
            if tty and last:
                sys.stdout.write(f"\x1b[{len(last)}F\x1b[J")
            print("\n".join(lines), flush=True)
            last = lines
        state = view.instance["state"]
        if state != "running":
            print(f"instance {instance_id} {state}")
            return 0 if state == "completed" else 1
        open_incidents = [x for x in view.incidents if x["state"] == "open"]
        if open_incidents:
            for x in open_incidents:
                print(f"incident at {x['element_id']}: {x['message']}", file=sys.stderr)
            print(
                f"instance {instance_id} is stuck on an incident; fix the cause, then: steadyflow retry {instance_id}",
                file=sys.stderr,
            )
            return 1
        if timeout_s is not None and time.monotonic() - started > timeout_s:
            print(f"instance {instance_id} still running after {timeout_s:.0f}s", file=sys.stderr)
            return 1
        time.sleep(0.3)


def unhandled(types: dict[str, list[str]]) -> int:
    if not types:
        return 0
    for job_type, elements in types.items():
        print(
            f"steadyflow: error: no handler for job type '{job_type}' (elements: {', '.join(elements)}); "
            "register one in the entry-point group 'steadyflow.service_tasks', or serve the topic "
            "with an external worker",
            file=sys.stderr,
        )
    return 1
