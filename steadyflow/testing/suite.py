"""Run case files: deploy the models they test, run every case, collect coverage.

The models of a case file are the ``.bpmn`` files in its folder, or the files given
as ``resources``. One engine serves all cases of a file.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from steadyflow.errors import InvalidInputError, SteadyflowError
from steadyflow.testing.case_file import CaseFile, load_case_file
from steadyflow.testing.case_runner import CaseResult, run_case
from steadyflow.testing.coverage import Coverage
from steadyflow.testing.harness import ProcessTest

DEFAULT_TIMEOUT_S = 5.0


@dataclass
class FileResult:
    path: Path
    cases: list[CaseResult] = field(default_factory=list)
    error: str | None = None
    """The file could not be read, or its models not deployed: no case ran."""

    @property
    def passed(self) -> bool:
        return self.error is None and all(c.passed for c in self.cases)

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "passed": self.passed,
            "error": self.error,
            "cases": [c.as_dict() for c in self.cases],
        }


def models_for(case_path: Path, resources: list[Path] | None) -> list[Path]:
    if resources:
        return list(resources)
    models = sorted([*case_path.parent.glob("*.bpmn"), *case_path.parent.glob("*.dmn")])
    if not models:
        raise InvalidInputError(
            f"no .bpmn or .dmn file beside {case_path}; put the models in its folder or name them with --resources"
        )
    return models


def open_for(case_path: Path, resources: list[Path] | None) -> ProcessTest:
    """A process test with the models of ``case_path`` deployed."""
    test = ProcessTest()
    try:
        test.deploy(*models_for(case_path, resources))
    except BaseException:
        test.close()
        raise
    return test


def run_cases(
    test: ProcessTest,
    case_file: CaseFile,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    coverage: Coverage | None = None,
    only: str | None = None,
) -> list[CaseResult]:
    results = []
    for case in case_file.cases:
        if only is not None and case.name != only:
            continue
        result = run_case(test, case, timeout_s=timeout_s)
        if coverage is not None:
            coverage.record(test, result.instances)
        results.append(result)
    return results


def run_file(
    path: Path,
    *,
    resources: list[Path] | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    coverage: Coverage | None = None,
) -> FileResult:
    result = FileResult(path)
    try:
        case_file = load_case_file(path)
        test = open_for(path, resources)
    except SteadyflowError as exc:
        result.error = str(exc)
        return result
    try:
        if coverage is not None:
            coverage.add_models(test)
        result.cases = run_cases(test, case_file, timeout_s=timeout_s, coverage=coverage)
    finally:
        test.close()
    return result


def run_files(
    paths: list[Path], *, resources: list[Path] | None = None, timeout_s: float = DEFAULT_TIMEOUT_S
) -> tuple[list[FileResult], Coverage, float]:
    """Every file's results, the coverage over all of them, and the seconds it took."""
    started = time.perf_counter()
    coverage = Coverage()
    results = [run_file(p, resources=resources, timeout_s=timeout_s, coverage=coverage) for p in paths]
    return results, coverage, time.perf_counter() - started
