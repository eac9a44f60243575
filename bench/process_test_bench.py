"""A Camunda process test case of the 5-region example: in process (``steadyflow test``'s runner) vs over HTTP.

Variant (a) runs the case "Camunda 8: five regions, then replication" of
``examples/database-creation.test.json`` with ``steadyflow.testing``'s runner on a
:class:`ProcessTest` that is already open with the examples deployed (warm: the
cost of opening an engine and parsing the models is paid once, as pytest pays it
once per case file). Variant (b) runs the same instructions against a real
``steadyflow serve`` over HTTP, as a remote test runner would: starts through
``/api/v1``, mocked job workers through ``/v2/jobs/activation`` and completion,
assertions polled on ``GET /api/v1/instances/{id}``, with the server's own
handlers of those job types disabled. Both repeat the case; the report is the
median and p90 per case and the ratio (b)/(a). Target: (a) under 50 ms.

Usage: ``python -m bench.process_test_bench [--quick] [--runs N] [--json PATH]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx

from bench.external_task_bench import PASSWORD, ROOT, USER, free_port
from engine.accounts import Accounts
from engine.config import EngineConfig
from engine.engine import Engine
from engine.forms import read_outline
from steadyflow.testing.case_file import Instruction, TestCase, load_case_file
from steadyflow.testing.case_runner import run_case
from steadyflow.testing.harness import ProcessTest

CASES = ROOT / "examples" / "database-creation.test.json"
CASE_NAME = "Camunda 8: five regions, then replication"
MODELS = [ROOT / "examples" / "database-creation-c8.bpmn", ROOT / "examples" / "database-creation.bpmn"]
DEFAULT_JSON = ROOT / "bench" / "results" / "process_test_bench.json"
TARGET_MS = 50.0
POLL_S = 0.005
TIMEOUT_S = 10.0


def the_case() -> TestCase:
    case = next(c for c in load_case_file(CASES).cases if c.name == CASE_NAME)
    start = next(i for i in case.instructions if i.type == "CREATE_PROCESS_INSTANCE")
    assert len(start.fields["variables"]["regions"]) == 5, "the benchmark case has five regions"
    return case


# -- (a) in process ----------------------------------------------------------------------
def in_process(case: TestCase, runs: int, warmup: int) -> tuple[list[float], list[float]]:
    """Wall seconds and CPU seconds of this process per run (the engine runs in it, so CPU is all its work)."""
    with ProcessTest() as test:
        test.deploy(*MODELS)
        for _ in range(warmup):
            _check(run_case(test, case, timeout_s=TIMEOUT_S).passed, "in process (warm-up)")
        wall, cpu = [], []
        for _ in range(runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            result = run_case(test, case, timeout_s=TIMEOUT_S)
            wall.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
            _check(result.passed, f"in process: {result.message}")
        return wall, cpu


# -- (b) over HTTP -----------------------------------------------------------------------
class HttpCase:
    """The case's instructions over steadyflow's HTTP APIs; mocked job types are answered between steps."""

    def __init__(self, client: httpx.Client, names: dict[str, str]) -> None:
        self.client, self.names = client, names
        self.mocks: dict[str, dict[str, Any]] = {}
        self.instance_id: str | None = None

    def run(self, case: TestCase) -> None:
        for instruction in case.instructions:
            getattr(self, instruction.type.lower())(instruction)

    # actions
    def mock_job_worker_complete_job(self, i: Instruction) -> None:
        self.mocks[i.fields["jobType"]] = dict(i.fields.get("variables") or {})
        self._answer_mocks()

    def create_process_instance(self, i: Instruction) -> None:
        key = i.fields["processDefinitionSelector"]["processDefinitionId"]
        started = self.client.post(f"/api/v1/definitions/{key}/start", json={"variables": i.fields["variables"]})
        started.raise_for_status()
        self.instance_id = started.json()["id"]
        self._answer_mocks()

    def complete_job(self, i: Instruction) -> None:
        job = self._wait(lambda: self._activate(i.fields["jobSelector"]["jobType"], 1), "a job to complete")[0]
        done = self.client.post(f"/v2/jobs/{job['jobKey']}/completion", json={"variables": i.fields.get("variables")})
        _check(done.status_code == 204, f"completion {done.status_code}: {done.text[:200]}")
        self._answer_mocks()

    # assertions, polled as Camunda's are
    def assert_element_instance(self, i: Instruction) -> None:
        element = self._element(i.fields["elementSelector"])
        state = {"IS_ACTIVE": "active", "IS_COMPLETED": "completed"}[i.fields["state"]]
        self._wait(lambda: element in self._elements(state), f"{element} {state}")

    def assert_element_instances(self, i: Instruction) -> None:
        wanted = [self._element(s) for s in i.fields["elementSelectors"]]
        _check(i.fields["state"] == "IS_COMPLETED_IN_ORDER", "the bench runs IS_COMPLETED_IN_ORDER only")

        def in_order() -> bool:
            done = [e for e in self._elements("completed") if e in wanted]
            return list(dict.fromkeys(done)) == wanted

        self._wait(in_order, f"{wanted} completed in order")

    def assert_variables(self, i: Instruction) -> None:
        names = i.fields.get("variableNames") or []
        values = i.fields.get("variables") or {}

        def holds() -> bool:
            seen = self._view()["variables"]
            return all(n in seen for n in names) and all(seen.get(k) == v for k, v in values.items())

        self._wait(holds, f"variables {names} {values}")

    def assert_process_instance(self, i: Instruction) -> None:
        state = {"IS_COMPLETED": "completed", "IS_ACTIVE": "running"}[i.fields["state"]]
        self._wait(lambda: self._view()["instance"]["state"] == state, f"instance {state}")
        if i.fields.get("hasActiveIncidents") is False:
            _check(not [x for x in self._view()["incidents"] if x["state"] == "open"], "no open incident")

    # helpers
    def _answer_mocks(self) -> None:
        for job_type, variables in self.mocks.items():
            while jobs := self._activate(job_type, 32):
                for job in jobs:
                    done = self.client.post(f"/v2/jobs/{job['jobKey']}/completion", json={"variables": variables})
                    _check(done.status_code == 204, f"completion {done.status_code}: {done.text[:200]}")

    def _activate(self, job_type: str, count: int) -> list[dict[str, Any]]:
        body = {
            "type": job_type,
            "worker": "bench",
            "timeout": 60_000,
            "maxJobsToActivate": count,
            "requestTimeout": -1,
        }
        answer = self.client.post("/v2/jobs/activation", json=body)
        answer.raise_for_status()
        return list(answer.json()["jobs"])

    def _view(self) -> dict[str, Any]:
        answer = self.client.get(f"/api/v1/instances/{self.instance_id}")
        answer.raise_for_status()
        return dict(answer.json())

    def _elements(self, state: str) -> list[str]:
        wanted = ("active", "waiting", "ready", "started") if state == "active" else ("completed",)
        return [a["element_id"] for a in self._view()["activities"] if str(a["state"]).lower() in wanted]

    def _element(self, selector: dict[str, str]) -> str:
        if "elementId" in selector:
            return selector["elementId"]
        return next(e for e, n in self.names.items() if n == selector["elementName"])

    def _wait(self, check: Callable[[], Any], what: str) -> Any:
        deadline = time.monotonic() + TIMEOUT_S
        while not (value := check()):
            self._answer_mocks()
            _check(time.monotonic() < deadline, f"over HTTP: timed out waiting for {what}")
            time.sleep(POLL_S)
        return value


def over_http(case: TestCase, runs: int, warmup: int) -> list[float]:
    names: dict[str, str] = {}
    for model in MODELS:
        names |= read_outline(model.read_bytes(), model.name).names
    with tempfile.TemporaryDirectory(prefix="sf-ptbench-") as tmp:
        data_dir = Path(tmp)
        with Engine(EngineConfig(data_dir=data_dir, db_url=None)) as engine:
            engine.deploy([(m.name, m.read_bytes()) for m in MODELS])
            Accounts(engine.db).add_user(USER, "operator", PASSWORD)
        process, url = _serve(data_dir)
        try:
            with httpx.Client(base_url=url, auth=(USER, PASSWORD), timeout=60) as client:
                for _ in range(warmup):
                    HttpCase(client, names).run(case)
                times = []
                for _ in range(runs):
                    started = time.perf_counter()
                    HttpCase(client, names).run(case)
                    times.append(time.perf_counter() - started)
                return times
        finally:
            process.terminate()
            process.wait(timeout=60)


def _serve(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "STEADYFLOW_DB"}
    env["STEADYFLOW_DISABLE_HANDLERS"] = "create-database,create-replication"  # the bench is the worker
    process = subprocess.Popen(
        [sys.executable, "-m", "steadyflow", "serve", "--port", str(port), "--data-dir", str(data_dir)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        _check(process.poll() is None and time.monotonic() < deadline, "steadyflow serve did not start")
        time.sleep(0.1)


def _check(ok: bool, what: str) -> None:
    if not ok:
        raise SystemExit(f"process_test_bench: {what}")


def summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return {"runs": len(times), "median_ms": statistics.median(times) * 1000, "p90_ms": p90 * 1000}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="few runs (a smoke test)")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    args = parser.parse_args(argv)
    runs, warmup = (3, 1) if args.quick else (args.runs, 5)
    case = the_case()
    load_before = os.getloadavg()[0]
    wall, cpu = in_process(case, runs, warmup)
    local, local_cpu = summary(wall), summary(cpu)
    remote = summary(over_http(case, runs, warmup))
    ratio = remote["median_ms"] / local["median_ms"]
    print(f"process test case '{CASE_NAME}' (5 regions), {runs} warm runs each; load average {load_before:.1f}")
    print(f"  (a) in process:            median {local['median_ms']:.1f} ms, p90 {local['p90_ms']:.1f} ms")
    print(f"      of which CPU time:     median {local_cpu['median_ms']:.1f} ms")
    print(f"  (b) steadyflow serve/HTTP: median {remote['median_ms']:.1f} ms, p90 {remote['p90_ms']:.1f} ms")
    print(f"ratio b/a median: {ratio:.1f}x")
    verdict = "PASS" if local["median_ms"] < TARGET_MS else "FAIL"
    print(f"{verdict} (a) median {local['median_ms']:.1f} ms < {TARGET_MS:.0f} ms")
    report = {"case": CASE_NAME, "quick": args.quick, "in_process": local, "http": remote, "ratio_b_over_a": ratio}
    report |= {"in_process_cpu": local_cpu, "load_average": load_before}
    report["target"] = {"in_process_median_ms_below": TARGET_MS, "passed": verdict == "PASS"}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
