"""Deployed DMN decisions: versioned per key like processes, parsed once per deployment, evaluated.

A DMN file deploys with the BPMN files of the same deployment (every path: UI upload, CLI,
``/engine-rest``, ``/v2``, ``/api/v1``). Each decision of the file becomes a decision definition
``(key, version)``; a file whose bytes did not change makes no new version. Business rule tasks
evaluate decisions inside their step (``engine.decision_calls``); the APIs evaluate them here,
and every evaluation is recorded (``decision_evaluations``).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from dmn import DecisionModel, DecisionResult, evaluate_decision, is_dmn, parse_decisions
from engine.store import decisions as sql
from engine.store.database import Connection
from engine.store.decisions import DecisionDefinitionRecord
from engine.store.store import Store
from steadyflow.errors import ModelValidationError, NotFoundError, Problem


@dataclass
class DeployedDecision:
    definition: DecisionDefinitionRecord
    new_version: bool


@dataclass(frozen=True)
class ParsedDecisions:
    filename: str
    data: bytes
    model: DecisionModel


def is_dmn_file(filename: str, data: bytes) -> bool:
    """A ``.dmn`` file, or any file whose root is in a DMN namespace (Modeler's deploy names them .dmn)."""
    return PurePath(filename).suffix.lower() == ".dmn" or is_dmn(data)


class DecisionRegistry:
    """Decision definitions of one engine's database, and their parsed models (cached by deployment)."""

    def __init__(self, store: Store, now: Callable[[], float]) -> None:
        self.store = store
        self.now = now
        self._models: dict[str, DecisionModel] = {}
        self._lock = threading.Lock()

    # -- deploying ---------------------------------------------------------------------------

    def parse(self, files: list[tuple[str, bytes]]) -> list[ParsedDecisions]:
        """Every DMN file parsed; all their problems at once, and a decision id defined twice, refused."""
        parsed: list[ParsedDecisions] = []
        problems: list[Problem] = []
        seen: dict[str, str] = {}
        for filename, data in files:
            try:
                model = parse_decisions(data, filename)
            except ModelValidationError as exc:
                problems.extend(exc.problems)
                continue
            for key in model.decisions:
                if key in seen:
                    problems.append(
                        Problem(
                            f"decision id '{key}' is defined in both {seen[key]} and {filename}",
                            element_id=key,
                            file=filename,
                            hint="give each decision a unique id",
                        )
                    )
                seen[key] = filename
            parsed.append(ParsedDecisions(filename, data, model))
        if problems:
            raise ModelValidationError(problems, file=", ".join(f for f, _ in files))
        return parsed

    def store_parsed(
        self, conn: Connection, parsed: list[ParsedDecisions], new_deployment: Callable[[str, bytes, str], str]
    ) -> list[DeployedDecision]:
        """Insert a new version of each decision whose file changed; ``new_deployment`` writes the file's row."""
        results: list[DeployedDecision] = []
        now = self.now()
        for item in parsed:
            sha = hashlib.sha256(item.data).hexdigest()
            deployment_id: str | None = None
            for key, decision in item.model.decisions.items():
                latest = sql.latest(conn, key)
                if latest is not None and latest.xml_sha256 == sha:
                    results.append(DeployedDecision(latest, new_version=False))
                    continue
                if deployment_id is None:
                    deployment_id = new_deployment(item.filename, item.data, sha)
                number = (latest.version if latest else 0) + 1
                record = DecisionDefinitionRecord(
                    id=f"{key}:{number}:{sha[:12]}",
                    key=key,
                    version=number,
                    name=decision.name,
                    deployment_id=deployment_id,
                    xml_sha256=sha,
                    drg_id=item.model.id or PurePath(item.filename).stem,
                    deployed_at=now,
                )
                sql.insert_definition(conn, dict(record.__dict__))
                results.append(DeployedDecision(record, new_version=True))
        return results

    # -- finding and parsing -----------------------------------------------------------------

    def resolve(self, conn: Connection, key: str, version: int | None = None) -> DecisionDefinitionRecord:
        found = sql.version(conn, key, version) if version is not None else sql.latest(conn, key)
        if found is not None:
            return found
        known = [record.key for record, _ in sql.latest_of_each(conn)]
        close = difflib.get_close_matches(key, known, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        what = f"decision '{key}'" + (f" version {version}" if version is not None else "")
        raise NotFoundError(f"{what} is not deployed{hint}; deploy its .dmn file with the process that calls it")

    def model(self, conn: Connection, record: DecisionDefinitionRecord) -> DecisionModel:
        return self.model_from(record, lambda: self.store.deployment_xml(conn, record.deployment_id))

    def model_from(self, record: DecisionDefinitionRecord, load: Callable[[], tuple[str, str]]) -> DecisionModel:
        """The parsed file of ``record`` (``load`` gives its XML and name the first time)."""
        cached = self._models.get(record.deployment_id)
        if cached is not None:
            return cached
        xml, filename = load()
        model = parse_decisions(xml.encode("utf-8"), filename)
        with self._lock:
            self._models[record.deployment_id] = model
        return model

    # -- evaluating over an API ---------------------------------------------------------------

    def evaluate(
        self, key: str, variables: Mapping[str, Any], version: int | None = None
    ) -> tuple[DecisionDefinitionRecord, DecisionResult, str]:
        """Evaluate the latest (or a given) version of ``key`` and record it; returns its evaluation id."""

        def run() -> tuple[DecisionDefinitionRecord, DecisionResult, str]:
            with self.store.db.write() as conn:
                record = self.resolve(conn, key, version)
                result = evaluate_decision(self.model(conn, record), key, variables)
                row = evaluation_row(record, result, self.now())
                sql.insert_evaluations(conn, [row])
                return record, result, str(row["id"])

        return self.store.db.retrying(run, what="evaluate a decision")

    # -- reading for the UI and the APIs ------------------------------------------------------

    def latest_of_each(self) -> list[tuple[DecisionDefinitionRecord, int]]:
        with self.store.db.read() as conn:
            return sql.latest_of_each(conn)

    def versions(self, key: str) -> list[DecisionDefinitionRecord]:
        with self.store.db.read() as conn:
            return sql.versions(conn, key)

    def definition(self, key: str, version: int | None = None) -> tuple[DecisionDefinitionRecord, str, str]:
        """The record and its file's XML and name."""
        with self.store.db.read() as conn:
            record = self.resolve(conn, key, version)
            xml, filename = self.store.deployment_xml(conn, record.deployment_id)
        return record, xml, filename

    def by_id(self, definition_id: str) -> DecisionDefinitionRecord:
        with self.store.db.read() as conn:
            found = sql.by_id(conn, definition_id)
        if found is None:
            raise NotFoundError(f"decision definition {definition_id} does not exist")
        return found

    def evaluations(self, *, key: str | None = None, instance_id: str | None = None) -> list[dict[str, Any]]:
        with self.store.db.read() as conn:
            rows = sql.evaluations(conn, key=key, instance_id=instance_id)
        return [{**row, "record": json.loads(row["record"])} for row in rows]


def evaluation_row(
    record: DecisionDefinitionRecord,
    result: DecisionResult,
    at: float,
    *,
    instance_id: str | None = None,
    element_id: str | None = None,
    task_id: str | None = None,
) -> dict[str, Any]:
    """The ``decision_evaluations`` row of one evaluation: every decision of the DRG it ran."""
    return {
        "id": str(uuid.uuid4()),
        "decision_definition_id": record.id,
        "decision_key": record.key,
        "instance_id": instance_id,
        "element_id": element_id,
        "task_id": task_id,
        "event_seq": None,
        "evaluated_at": at,
        "record": json.dumps([_capped(e.as_record()) for e in result.evaluations], separators=(",", ":")),
    }


MAX_RECORDED_CHARS = 2_000
"""An input or output value longer than this (as JSON) is recorded as a preview, as history does."""


def _capped(record: dict[str, Any]) -> dict[str, Any]:
    def cap(value: Any) -> Any:
        text = json.dumps(value)
        return value if len(text) <= MAX_RECORDED_CHARS else {"preview": text[:200] + "…", "chars": len(text)}

    record["inputs"] = [{**i, "value": cap(i["value"])} for i in record["inputs"]]
    record["results"] = [{k: cap(v) for k, v in row.items()} for row in record["results"]]
    record["value"] = cap(record["value"])
    return record
