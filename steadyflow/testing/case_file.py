"""Camunda process test cases (the ``cpt-test-cases`` JSON format) read and checked before anything runs.

The format (https://camunda.com/json-schema/cpt-test-cases/8.9/schema.json, written by Web
Modeler's test mode and Camunda Process Test) is ``{"testCases": [{"name", "description",
"instructions": [{"type": ..., ...}]}]}``; instructions name processes, elements and job
types, never instance keys. A file that does not fit is refused with the file, the case,
the instruction's position and what to change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from steadyflow.errors import InvalidInputError

SCHEMA_HINT = "cpt-test-cases"
REQUIRED: dict[str, tuple[str, ...]] = {
    "CREATE_PROCESS_INSTANCE": ("processDefinitionSelector",),
    "COMPLETE_JOB": ("jobSelector",),
    "MOCK_JOB_WORKER_COMPLETE_JOB": ("jobType",),
    "MOCK_JOB_WORKER_THROW_BPMN_ERROR": ("jobType", "errorCode"),
    "THROW_BPMN_ERROR_FROM_JOB": ("jobSelector", "errorCode"),
    "COMPLETE_USER_TASK": ("userTaskSelector",),
    "PUBLISH_MESSAGE": ("name",),
    "CORRELATE_MESSAGE": ("name",),
    "BROADCAST_SIGNAL": ("signalName",),
    "INCREASE_TIME": ("duration",),
    "SET_TIME": ("time",),
    "UPDATE_VARIABLES": ("processInstanceSelector", "variables"),
    "RESOLVE_INCIDENT": ("incidentSelector",),
    "ASSERT_PROCESS_INSTANCE": ("processInstanceSelector",),
    "ASSERT_ELEMENT_INSTANCE": ("processInstanceSelector", "elementSelector", "state"),
    "ASSERT_ELEMENT_INSTANCES": ("processInstanceSelector", "elementSelectors", "state"),
    "ASSERT_VARIABLES": ("processInstanceSelector",),
    "ASSERT_USER_TASK": ("userTaskSelector",),
    "ASSERT_PROCESS_INSTANCE_MESSAGE_SUBSCRIPTION": ("processInstanceSelector", "messageSelector", "state"),
    # In the schema; refused when run (steadyflow has no DMN, ad-hoc sub-processes or task listeners yet).
    "ASSERT_DECISION": ("decisionSelector",),
    "EVALUATE_DECISION": ("decisionDefinitionSelector",),
    "MOCK_DMN_DECISION": ("decisionDefinitionId",),
    "MOCK_CHILD_PROCESS": ("processDefinitionId",),
    "EVALUATE_CONDITIONAL_START_EVENT": ("variables",),
    "COMPLETE_JOB_AD_HOC_SUB_PROCESS": ("jobSelector",),
    "COMPLETE_JOB_USER_TASK_LISTENER": ("jobSelector",),
}
OBJECT_FIELDS: tuple[str, ...] = ("variables", "processDefinitionSelector", "processInstanceSelector")
OBJECT_FIELDS += ("elementSelector", "jobSelector", "userTaskSelector", "messageSelector", "incidentSelector")


@dataclass(frozen=True)
class Instruction:
    position: int
    """1-based, as people count the steps of a case."""
    type: str
    fields: dict[str, Any]

    def describe(self) -> str:
        return f"step {self.position} ({self.type})"


@dataclass(frozen=True)
class TestCase:
    __test__ = False  # a Camunda test case, not a pytest test class
    name: str
    instructions: list[Instruction]
    description: str = ""


@dataclass
class CaseFile:
    path: Path
    cases: list[TestCase]
    process_id: str | None = None
    """Web Modeler's optional top-level ``processId``: the process the cases are about."""
    extra: dict[str, Any] = field(default_factory=dict)


def is_case_file(path: Path) -> bool:
    """A ``*.test.json`` file, or a ``.json`` file whose ``$schema`` names the cpt-test-cases schema."""
    if path.name.endswith(".test.json"):
        return True
    if path.suffix != ".json":
        return False
    try:
        head = path.read_text(encoding="utf-8", errors="replace")[:2000]
    except OSError:
        return False
    return '"$schema"' in head and SCHEMA_HINT in head


def load_case_file(path: str | Path) -> CaseFile:
    file = Path(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidInputError(f"cannot read test case file {file}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise InvalidInputError(
            f"{file} is not JSON ({exc}); a test case file is a cpt-test-cases JSON document"
        ) from exc
    return parse_case_document(data, str(file))


def parse_case_document(data: Any, where: str) -> CaseFile:
    if not isinstance(data, dict) or not isinstance(data.get("testCases"), list):
        raise InvalidInputError(f'{where}: expected an object with a "testCases" array (cpt-test-cases format)')
    cases = [_case(raw, where, index) for index, raw in enumerate(data["testCases"], start=1)]
    names = [c.name for c in cases]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise InvalidInputError(f"{where}: test case names must be unique; repeated: {', '.join(duplicates)}")
    process_id = data.get("processId")
    return CaseFile(Path(where), cases, process_id if isinstance(process_id, str) else None)


def _case(raw: Any, where: str, index: int) -> TestCase:
    if not isinstance(raw, dict):
        raise InvalidInputError(f"{where}: test case {index} must be an object with name and instructions")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InvalidInputError(f'{where}: test case {index} needs a "name" (a non-empty string)')
    instructions = raw.get("instructions")
    if not isinstance(instructions, list):
        raise InvalidInputError(f'{where}: test case "{name}" needs an "instructions" array')
    parsed = [_instruction(item, f'{where}: test case "{name}"', n) for n, item in enumerate(instructions, start=1)]
    description = raw.get("description")
    return TestCase(name, parsed, description if isinstance(description, str) else "")


def _instruction(raw: Any, where: str, position: int) -> Instruction:
    if not isinstance(raw, dict):
        raise InvalidInputError(f'{where}, step {position}: an instruction is an object with a "type"')
    kind = raw.get("type")
    if kind not in REQUIRED:
        known = ", ".join(sorted(REQUIRED))
        raise InvalidInputError(f"{where}, step {position}: unknown instruction type {kind!r}; known types: {known}")
    missing = [name for name in REQUIRED[kind] if name not in raw]
    if missing:
        raise InvalidInputError(f"{where}, step {position} ({kind}): missing {', '.join(missing)}")
    for name in OBJECT_FIELDS:
        if name in raw and not isinstance(raw[name], dict):
            raise InvalidInputError(f"{where}, step {position} ({kind}): {name} must be an object")
    if "elementSelectors" in raw and not (
        isinstance(raw["elementSelectors"], list) and all(isinstance(s, dict) for s in raw["elementSelectors"])
    ):
        raise InvalidInputError(f"{where}, step {position} ({kind}): elementSelectors must be an array of objects")
    return Instruction(position, str(kind), {k: v for k, v in raw.items() if k != "type"})
