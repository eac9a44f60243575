"""The pytest plugin (entry point ``pytest11: steadyflow``): fixtures, and Camunda JSON test cases as items.

Fixtures: ``process_test`` (a :class:`ProcessTest` on a SQLite file in the test's
``tmp_path``, closed afterwards) and ``clock`` (its manual clock). Files named
``*.test.json``, or any ``.json`` whose ``$schema`` names ``cpt-test-cases``, are
collected: one item per test case, run against the models beside the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # the engine is imported when a test asks for it, not at every pytest start
    from steadyflow.testing.harness import ProcessTest, TestClock


@pytest.fixture
def process_test(tmp_path: Path) -> Iterator[ProcessTest]:
    """An in-process engine on a throwaway SQLite file, with a manual clock and mocked job workers."""
    from steadyflow.testing.harness import ProcessTest

    test = ProcessTest(tmp_path / "steadyflow")
    try:
        yield test
    finally:
        test.close()


@pytest.fixture
def clock(process_test: ProcessTest) -> TestClock:
    """The process test's clock: ``clock.advance("P3D")`` fires the timers that fall due, without sleeping."""
    return process_test.clock
