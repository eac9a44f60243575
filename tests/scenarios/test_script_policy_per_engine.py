"""The Python-script switch belongs to each engine, not to the process that holds it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from engine.engine import Engine
from steadyflow.errors import ModelValidationError
from tests.scenarios.test_script_security import python_task


@pytest.mark.parametrize("strict_built_last", [True, False])
def test_each_engine_runs_python_scripts_by_its_own_setting(
    make_engine: Callable[..., Engine], strict_built_last: bool
) -> None:
    if strict_built_last:
        permissive = make_engine(cache_capacity=0, allow_python_scripts=True)
        strict = make_engine(cache_capacity=0, allow_python_scripts=False)
    else:
        strict = make_engine(cache_capacity=0, allow_python_scripts=False)
        permissive = make_engine(cache_capacity=0, allow_python_scripts=True)
    # Both engines share one database: the strict one meets a model only the permissive one could deploy.
    permissive.deploy([("s.bpmn", python_task("total = 1 + 2"))])

    allowed = permissive.start("scripted")
    assert permissive.view(allowed.id).variables["total"] == 3
    assert permissive.incidents(allowed.id) == []

    with pytest.raises(ModelValidationError, match="--allow-python-scripts"):
        strict.start("scripted")
    assert [i.id for i in strict.instances()] == [allowed.id]
