"""FEEL temporal results assigned to variables are stored as ISO 8601 text, as Camunda 8 stores them.

Regression: a script or mapping whose value was a date (or held one) failed the step with a
TypeError from the value encoder, which reached the caller (a 500 over REST).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bpmn.dialects.templates import evaluate_template
from engine.engine import Engine
from steadyflow.errors import ExpressionEvaluationError
from tests.conftest import DATA

MODEL = DATA / "constructs" / "c8-script-task.bpmn"
RESULT = (
    "={due: date(&quot;2024-01-01&quot;) + duration(&quot;P1D&quot;), "
    "at: date and time(&quot;2024-01-01T10:00:00@Europe/Istanbul&quot;), "
    "wait: duration(&quot;PT1H30M&quot;), "
    "span: years and months duration(date(&quot;2020-01-01&quot;), date(&quot;2021-03-01&quot;)), "
    "far: date(&quot;-0999-01-01&quot;), "
    "days: [date(&quot;2024-02-28&quot;), date(&quot;2024-02-29&quot;)]}"
)


def _model() -> bytes:
    text = MODEL.read_text(encoding="utf-8")
    text = text.replace("=sum(for item in items return item.price * item.quantity)", RESULT)
    text = text.replace("=if total &#62; 100 then 0 else 4.95", "=date(&quot;2024-02-29&quot;)")
    return text.encode("utf-8")


def test_temporal_results_of_scripts_and_mappings_are_stored_as_iso_text(
    make_engine: Callable[..., Engine],
) -> None:
    engine = make_engine(cache_capacity=0)  # every read restores the instance from the database
    engine.deploy([("temporal.bpmn", _model())])

    instance = engine.start("c8-script-task", {})

    assert engine.instance(instance.id).state == "completed"
    variables = engine.view(instance.id).variables
    assert variables["total"] == {
        "due": "2024-01-02",
        "at": "2024-01-01T10:00:00+03:00",
        "wait": "P0DT1H30M0S",
        "span": "P1Y2M",
        "far": "-0999-01-01",
        "days": ["2024-02-28", "2024-02-29"],
    }
    assert variables["shipping"] == "2024-02-29"


def test_a_mapping_stores_a_temporal_value_as_text_and_keeps_a_json_value_as_the_same_object() -> None:
    regions = ["istanbul", "ankara"]
    assert evaluate_template({"feel": 'time("10:15:30")'}, {}) == "10:15:30"
    assert evaluate_template({"feel": '{at: date("2024-02-29")}'}, {}) == {"at": "2024-02-29"}
    assert evaluate_template({"feel": "regions"}, {"regions": regions}) is regions


def test_durations_are_stored_exactly_and_negative_ones_with_their_sign() -> None:
    assert evaluate_template({"feel": 'duration("PT59.123456S")'}, {}) == "P0DT0H0M59.123456S"
    assert evaluate_template({"feel": 'duration("P1DT0.000001S")'}, {}) == "P1DT0H0M0.000001S"
    assert evaluate_template({"feel": 'duration("-PT1H")'}, {}) == "-P0DT1H0M0S"
    assert evaluate_template({"feel": 'duration("-P1Y2M")'}, {}) == "-P1Y2M"


def test_a_function_value_is_not_stored_as_a_variable() -> None:
    with pytest.raises(ExpressionEvaluationError) as refused:
        evaluate_template({"feel": "{f: function(x) x + 1}"}, {})
    assert "FEEL function" in refused.value.message
