"""The pytest plugin (entry point ``pytest11: steadyflow``): fixtures, and Camunda JSON test cases as items.

Fixtures: ``process_test`` (a :class:`ProcessTest` on a SQLite file in the test's
``tmp_path``, closed afterwards) and ``clock`` (its manual clock). Files named
``*.test.json``, or any ``.json`` whose ``$schema`` names ``cpt-test-cases``, are
collected: one item per test case, run against the ``.bpmn`` files beside the file.
``--steadyflow-coverage DIR`` writes the coverage of everything the session ran.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from steadyflow.testing.case_file import is_case_file

if TYPE_CHECKING:  # the engine is imported when a test asks for it, not at every pytest start
    from steadyflow.testing.case_file import TestCase
    from steadyflow.testing.case_runner import CaseResult
    from steadyflow.testing.coverage import Coverage
    from steadyflow.testing.harness import ProcessTest, TestClock

COVERAGE_KEY = pytest.StashKey["Coverage"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("steadyflow", "steadyflow process tests")
    group.addoption("--steadyflow-timeout", type=float, default=5.0, help="seconds an assertion of a case waits")
    group.addoption("--steadyflow-coverage", metavar="DIR", help="write coverage.json and coverage.html into DIR")
    group.addoption(
        "--steadyflow-min-coverage", type=float, default=None, metavar="PERCENT", help="fail below this coverage"
    )


def _coverage(config: pytest.Config) -> Coverage | None:
    if not config.getoption("steadyflow_coverage") and config.getoption("steadyflow_min_coverage") is None:
        return None
    if COVERAGE_KEY not in config.stash:
        from steadyflow.testing.coverage import Coverage

        config.stash[COVERAGE_KEY] = Coverage()
    return config.stash[COVERAGE_KEY]


@pytest.fixture
def process_test(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ProcessTest]:
    """An in-process engine on a throwaway SQLite file, with a manual clock and mocked job workers."""
    from steadyflow.testing.harness import ProcessTest

    test = ProcessTest(tmp_path / "steadyflow")
    try:
        yield test
        coverage = _coverage(request.config)
        if coverage is not None:
            coverage.record(test, [r.id for r in test.engine.instances(limit=100_000)])
    finally:
        test.close()


@pytest.fixture
def clock(process_test: ProcessTest) -> TestClock:
    """The process test's clock: ``clock.advance("P3D")`` fires the timers that fall due, without sleeping."""
    return process_test.clock


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if is_case_file(file_path):
        collector: pytest.Collector = CaseFileCollector.from_parent(parent, path=file_path)
        return collector
    return None


class CaseFileCollector(pytest.File):
    """One case file: its models are deployed once, in ``setup``, for all its cases."""

    process_test: ProcessTest | None = None

    def collect(self) -> Iterator[pytest.Item]:
        from steadyflow.testing.case_file import load_case_file

        for case in load_case_file(self.path).cases:
            yield CaseItem.from_parent(self, name=case.name, case=case)

    def setup(self) -> None:
        from steadyflow.testing.suite import open_for

        self.process_test = open_for(self.path, None)
        coverage = _coverage(self.config)
        if coverage is not None:
            coverage.add_models(self.process_test)

    def teardown(self) -> None:
        if self.process_test is not None:
            self.process_test.close()
            self.process_test = None


class CaseFailed(Exception):
    def __init__(self, result: CaseResult) -> None:
        super().__init__(result.message)
        self.result = result


class CaseItem(pytest.Item):
    def __init__(self, *, case: TestCase, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case

    def runtest(self) -> None:
        from steadyflow.testing.case_runner import run_case

        parent = self.parent
        assert isinstance(parent, CaseFileCollector) and parent.process_test is not None
        result = run_case(parent.process_test, self.case, timeout_s=self.config.getoption("steadyflow_timeout"))
        coverage = _coverage(self.config)
        if coverage is not None:
            coverage.record(parent.process_test, result.instances)
        if not result.passed:
            raise CaseFailed(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, CaseFailed):
            result = excinfo.value.result
            where = f"step {result.failed_step} ({result.instruction})"
            return f'test case "{result.name}" failed at {where}: {result.message}'
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"process test case: {self.name}"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    coverage = session.config.stash.get(COVERAGE_KEY, None)
    if coverage is None:
        return
    from steadyflow.testing.coverage import bundled_viewer

    percent = coverage.ratio() * 100
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    target = session.config.getoption("steadyflow_coverage")
    if target:
        _, html = coverage.write(Path(target), viewer_assets=bundled_viewer())
        if reporter is not None:
            reporter.write_line(f"steadyflow process coverage {percent:.1f} %: {html}")
    minimum = session.config.getoption("steadyflow_min_coverage")
    if minimum is not None and percent < minimum:
        if reporter is not None:
            reporter.write_line(f"steadyflow process coverage {percent:.1f} % is below {minimum:g} %")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
