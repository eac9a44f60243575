"""Process tests for steadyflow: an in-process engine, mocked workers, a manual clock, assertions.

    def test_database_is_created(process_test):
        process_test.deploy("examples/database-creation-c8.bpmn")
        process_test.mock_job("create-database").returns({"regionDatabase": "db"})
        instance = process_test.start("database-creation-c8", {"regions": ["eu", "us"]})
        assert_that(instance).is_waiting_at("Activity_CreateReplication")

``process_test`` is the fixture of the pytest plugin (``steadyflow.testing.plugin``, registered as a
``pytest11`` entry point); outside pytest use :class:`ProcessTest` directly.
"""

from __future__ import annotations

from bpmn.clock import ManualClock
from steadyflow.testing.assertions import InstanceAssert, assert_that
from steadyflow.testing.harness import ProcessInstance, ProcessTest
from steadyflow.testing.mocks import JobMock

__all__ = ["InstanceAssert", "JobMock", "ManualClock", "ProcessInstance", "ProcessTest", "assert_that"]
