"""Deploying BPMN files as versioned definitions, and the cache of parsed specs."""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import PurePath
from typing import Any

from bpmn.options import DEFAULT_OPTIONS, ParseOptions
from bpmn.parser import PARSER_VERSION, ParsedModel, ProcessModel, parse_model
from bpmn.parser import process_ids as _root_process_ids
from bpmn.script_engine import ExpressionEngine, static_timer_text
from bpmn.timers import Schedule, first_due
from bpmn.xml_loader import MAX_MODEL_BYTES, as_utf8, load_bpmn_xml
from engine.called_processes import CalledProcesses
from engine.decision_calls import DecisionRunner
from engine.decisions import DecisionRegistry, DeployedDecision, ParsedDecisions, is_dmn_file
from engine.spiff.children import as_child, called_definitions_in
from engine.spiff.events import timer_starts
from engine.store.database import Connection
from engine.store.records import DefinitionRecord
from engine.store.store import Store
from steadyflow.errors import ModelValidationError, NotFoundError, Problem


@dataclass
class DeployedDefinition:
    definition: DefinitionRecord
    new_version: bool


@dataclass
class Deployment:
    id: str | None
    definitions: list[DeployedDefinition]
    warnings: list[Problem] = field(default_factory=list)
    decisions: list[DeployedDecision] = field(default_factory=list)
    """The decisions of the deployment's DMN files (``engine.decisions``)."""

    @property
    def changed(self) -> bool:
        return any(d.new_version for d in self.definitions) or any(d.new_version for d in self.decisions)


def start_timer_rows(definition: DefinitionRecord, spec: Any, now: float) -> list[dict[str, Any]]:
    """Rows for the scheduler: when each timer start event of a new version first fires."""
    rows = []
    for element_id, schedule in timer_starts(spec):
        expression = static_timer_text(schedule.expression)
        due, cycles_left = first_due(Schedule(schedule.kind, expression), datetime.fromtimestamp(now, UTC))
        rows.append(
            {
                "id": f"{definition.key}/{element_id}",
                "definition_key": definition.key,
                "definition_id": definition.id,
                "element_id": element_id,
                "kind": schedule.kind,
                "expression": expression,
                "due_at": due.timestamp(),
                "cycles_left": cycles_left,
                "lock_owner": None,
                "lock_expires_at": None,
            }
        )
    return rows


def process_ids_of(data: bytes, filename: str) -> set[str]:
    return _root_process_ids(load_bpmn_xml(data, filename))


class LatestDefinitionMoved(Exception):
    """A start used a remembered latest version, and its transaction found a newer one."""

    def __init__(self, key: str) -> None:
        super().__init__(f"a newer version of process '{key}' was deployed")
        self.key = key


class DefinitionRegistry:
    """Stores definitions under (key, version) and hands out parsed specs, parsed once per process."""

    def __init__(
        self, store: Store, options: ParseOptions = DEFAULT_OPTIONS, script_engine: ExpressionEngine | None = None
    ) -> None:
        self.store = store
        self.options = options
        self.script_engine = script_engine or ExpressionEngine()
        """What this engine's workflows run expressions and scripts on: its own, so its policy is its own."""
        self.clock = self.script_engine.clock
        """The engine's clock (``EngineConfig.clock``), which every service reads "now" from."""
        self._models: dict[str, ProcessModel] = {}
        self._children: dict[str, dict[str, Any]] = {}
        """Definition id -> its specs as a called child (``engine.called_processes.as_child``)."""
        self._lock = threading.Lock()
        self._latest: dict[str, DefinitionRecord] = {}
        """Key -> the latest version as last read here; a start that uses it checks it in its own
        transaction (``latest_check``), since another process may have deployed since."""
        self.decisions = DecisionRegistry(store, self.clock.now)
        """The DMN decisions deployed with the processes; business rule tasks evaluate them in their step."""
        self.script_engine.decision_runner = DecisionRunner(self.decisions)
        self.script_engine.called_processes = CalledProcesses(self)
        """Call activities resolve the process they call through this when they run."""

    def deploy(
        self, files: list[tuple[str, bytes]], *, name: str | None = None, source: str | None = None
    ) -> Deployment:
        """Parse every file, then store them in one transaction; any refusal stores nothing."""
        parsed: list[tuple[str, bytes, ParsedModel]] = []
        problems: list[Problem] = []
        files = self._as_utf8(files, problems)
        dmn_files = [(f, d) for f, d in files if is_dmn_file(f, d)]
        try:
            decisions = self.decisions.parse(dmn_files)
        except ModelValidationError as exc:
            decisions = []
            problems.extend(exc.problems)
        files = [(f, d) for f, d in files if (f, d) not in dmn_files]
        for filename, data in files:
            try:
                parsed.append((filename, data, parse_model(data, filename, self.options)))
            except ModelValidationError as exc:
                problems.extend(exc.problems)
        if problems:
            raise ModelValidationError(problems, file=", ".join(f for f, _ in [*files, *dmn_files]))
        seen: dict[str, str] = {}
        for filename, _, model in parsed:
            for key in model.processes:
                if key in seen:
                    raise ModelValidationError(
                        [
                            Problem(
                                f"process id '{key}' is defined in both {seen[key]} and {filename}",
                                element_id=key,
                                file=filename,
                                hint="give each process a unique id",
                            )
                        ],
                        file=filename,
                    )
                seen[key] = filename
        # A unique-key conflict means another process deployed the same key just now: look again.
        deployment = self.store.db.retrying(
            lambda: self._store(parsed, name, source, decisions), what="deploy", retry_conflicts=True
        )
        for key in seen:
            self.forget_latest(key)  # a start would find out in its transaction; this spares it the retry
        return deployment

    @staticmethod
    def _as_utf8(files: list[tuple[str, bytes]], problems: list[Problem]) -> list[tuple[str, bytes]]:
        """The files as the store keeps them: UTF-8, whatever encoding they declare (see bpmn.xml_loader)."""
        converted: list[tuple[str, bytes]] = []
        for filename, data in files:
            try:
                converted.append((filename, as_utf8(data, filename) if len(data) <= MAX_MODEL_BYTES else data))
            except ModelValidationError as exc:
                problems.extend(exc.problems)
        return converted

    def _store(
        self,
        parsed: list[tuple[str, bytes, ParsedModel]],
        name: str | None,
        source: str | None,
        decisions: Sequence[ParsedDecisions] = (),
    ) -> Deployment:
        now = self.clock.now()
        deployment_id = str(uuid.uuid4())
        results: list[DeployedDefinition] = []
        warnings: list[Problem] = []
        wrote_deployment = False
        deployed_with: dict[str, str] = {}
        """Every process of this deployment, new or unchanged: what a ``deployment`` call binding calls."""
        pending: list[tuple[DefinitionRecord, str]] = []
        fresh: dict[str, ProcessModel] = {}
        with self.store.db.write() as conn:
            for filename, data, model in parsed:
                sha = hashlib.sha256(data).hexdigest()
                warnings.extend(model.warnings)
                file_deployment: str | None = None
                for key, process in model.processes.items():
                    latest = self.store.latest_definition(conn, key)
                    if latest is not None and latest.xml_sha256 == sha:
                        results.append(DeployedDefinition(latest, new_version=False))
                        deployed_with[key] = latest.id
                        continue
                    if file_deployment is None:
                        file_deployment = deployment_id if not wrote_deployment else str(uuid.uuid4())
                        self.store.insert_deployment(
                            conn,
                            {
                                "id": file_deployment,
                                "name": name or PurePath(filename).stem,
                                "source": source,
                                "filename": PurePath(filename).name,
                                "xml_sha256": sha,
                                "xml": data.decode("utf-8", errors="replace"),
                                "deployed_at": now,
                            },
                        )
                        wrote_deployment = True
                    version = (latest.version if latest else 0) + 1
                    record = DefinitionRecord(
                        id=f"{key}:{version}:{sha[:12]}",
                        key=key,
                        version=version,
                        name=process.name,
                        deployment_id=file_deployment,
                        xml_sha256=sha,
                        deployed_at=now,
                        version_tag=process.version_tag,
                    )
                    pending.append((record, filename))
                    deployed_with[key] = record.id
            for record, filename in pending:
                record = replace(record, called=json.dumps(deployed_with, sort_keys=True))
                self.store.insert_definition(conn, {**record.__dict__, "parser_version": PARSER_VERSION})
                results.append(DeployedDefinition(record, new_version=True))
                process = next(m.processes[record.key] for _, _, m in parsed if record.key in m.processes)
                self.store.replace_start_timers(conn, record.key, start_timer_rows(record, process.spec, now))
                if PurePath(filename).name == filename:
                    # ``model`` reads the stored XML under the stored (base) name: the same parse.
                    fresh[record.id] = process

            def new_deployment(filename: str, data: bytes, sha: str) -> str:
                nonlocal wrote_deployment
                file_deployment = deployment_id if not wrote_deployment else str(uuid.uuid4())
                row: dict[str, Any] = {"id": file_deployment, "name": name or PurePath(filename).stem}
                row.update(source=source, filename=PurePath(filename).name, xml_sha256=sha, deployed_at=now)
                self.store.insert_deployment(conn, {**row, "xml": data.decode("utf-8", errors="replace")})
                wrote_deployment = True
                return file_deployment

            deployed_decisions = self.decisions.store_parsed(conn, list(decisions), new_deployment)
        # The first start need not parse again what deploy just parsed (a wide model takes seconds).
        with self._lock:
            self._models.update(fresh)
        return Deployment(deployment_id if wrote_deployment else None, results, warnings, deployed_decisions)

    def model(self, definition: DefinitionRecord, conn: Connection | None = None) -> ProcessModel:
        """The parsed process of a stored definition (parsed once, then cached).

        A step passes its own connection: a second one, taken while the step holds the
        instance row lock, would double the connections a busy process keeps open.
        """
        cached = self._models.get(definition.id)
        if cached is not None:
            return cached
        with nullcontext(conn) if conn is not None else self.store.db.read() as source:
            xml, filename = self.store.deployment_xml(source, definition.deployment_id)
            # A definition deployed before call activities were resolved at run time keeps the callees
            # it was bound to, so the children its instances started restore as they began.
            library = [
                (callee_file, callee_xml.encode("utf-8"))
                for callee_xml, callee_file in (
                    self.store.deployment_xml(source, d) for d in definition.bound_deployments()
                )
            ]
        process = self._parse(definition, xml, filename, library)
        with self._lock:
            self._models[definition.id] = process
        return process

    def _parse(
        self, definition: DefinitionRecord, xml: str, filename: str, library: Sequence[tuple[str, bytes]] = ()
    ) -> ProcessModel:
        parsed = parse_model(xml.encode("utf-8"), filename, self.options, library)
        process = parsed.processes.get(definition.key)
        if process is None:
            raise NotFoundError(f"definition {definition.id} no longer parses to process '{definition.key}'")
        return process

    def child_specs(self, definition: DefinitionRecord, xml: Callable[[], tuple[str, str]]) -> dict[str, Any]:
        """The definition's specs as a called child, keyed by its definition id (built once, then cached).

        ``xml`` reads the definition's file, through the caller's transaction, when it is not cached.
        """
        cached = self._children.get(definition.id)
        if cached is not None:
            return cached
        text, filename = xml()
        # A parse of its own: ``as_child`` renames what the specs call, which the top-level model must not see.
        process = self._parse(definition, text, filename)
        child = as_child(definition.id, process.spec, process.subprocess_specs)
        with self._lock:
            return self._children.setdefault(definition.id, child)

    def workflow_specs(self, model: ProcessModel, frame_text: str, conn: Connection) -> dict[str, Any]:
        """The subprocess specs an instance's frame needs: the model's own and those of the children it called."""
        specs = dict(model.subprocess_specs)
        for definition_id in called_definitions_in(frame_text):
            record = self.store.definition(conn, definition_id)
            if record is None:
                raise NotFoundError(
                    f"definition {definition_id}, which a call activity of the instance runs, is missing"
                )
            specs.update(self.child_specs(record, partial(self.store.deployment_xml, conn, record.deployment_id)))
        return specs

    def remembered_latest(self, key: str) -> DefinitionRecord | None:
        """The latest version of ``key`` as this process last read it (maybe stale: see ``latest_check``)."""
        return self._latest.get(key)

    def forget_latest(self, key: str) -> None:
        self._latest.pop(key, None)

    def latest_check(self, definition: DefinitionRecord) -> LatestCheck:
        """A check for a start's transaction: ``definition`` is still the latest version of its key,
        else ``LatestDefinitionMoved`` (nothing written; the caller resolves again)."""
        return LatestCheck(self, definition.key, definition.id)

    def resolve(self, key: str, version: int | None = None) -> DefinitionRecord:
        with self.store.db.read() as conn:
            found = (
                self.store.definition_version(conn, key, version)
                if version is not None
                else self.store.latest_definition(conn, key)
            )
            if found is None:
                known = self.store.definition_keys(conn)
        if found is not None and version is None:
            self._latest[key] = found
        if found is None:
            what = f"process '{key}'" + (f" version {version}" if version is not None else "")
            hint = _did_you_mean(key, known)
            raise NotFoundError(
                f"{what} is not deployed{hint}; deploy it first with 'steadyflow deploy FILE.bpmn'"
                + (f" (deployed: {', '.join(known[:10])})" if known and not hint else "")
            )
        return found


def _did_you_mean(key: str, known: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(key, known, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


@dataclass(frozen=True)
class LatestCheck:
    """``DefinitionRegistry.latest_check``: equal checks give the same answer within one transaction,
    so a group of starts of the same definition runs it once."""

    registry: DefinitionRegistry
    key: str
    definition_id: str

    def __call__(self, conn: Connection) -> None:
        if self.registry.store.latest_definition_id(conn, self.key) != self.definition_id:
            self.registry.forget_latest(self.key)
            raise LatestDefinitionMoved(self.key)
