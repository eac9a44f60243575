"""A job's variables reach its handler decoded when first read, and read like a plain mapping."""

from __future__ import annotations

from engine.job_variables import JobVariables
from engine.spiff.codec import encode_value


class CountingTexts(dict[str, str]):
    reads = 0

    def __getitem__(self, name: str) -> str:
        CountingTexts.reads += 1
        return super().__getitem__(name)


def test_a_value_is_decoded_only_when_read_and_only_once() -> None:
    texts = CountingTexts(item=encode_value(7), items=encode_value(list(range(10_000))))
    variables = JobVariables(texts)
    CountingTexts.reads = 0

    assert "items" in variables and len(variables) == 2 and sorted(variables) == ["item", "items"]
    assert CountingTexts.reads == 0, "listing names decodes nothing"
    assert variables["item"] == 7 and variables["item"] == 7
    assert CountingTexts.reads == 1


def test_job_variables_equal_the_plain_dict_they_stand_for() -> None:
    variables = JobVariables({"region": encode_value("ankara"), "owner": encode_value({"team": "db"})})

    assert variables == {"region": "ankara", "owner": {"team": "db"}}
    assert dict(variables) == {"region": "ankara", "owner": {"team": "db"}}
    assert variables.get("missing") is None
