"""One instance as an operator watches it: activity tree, scopes, jobs, incidents, readable history.

Everything is computed from indexed rows (task rows and their variable manifests, a page of
events, the few blobs a view shows); the workflow is never restored, so a thousand-region
instance with ten thousand events answers in a few database reads. Built over
:class:`~engine.queries.Queries` (element names and the cached model map per definition).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from dataclasses import asdict, fields
from typing import Any

from bpmn.specs.io_scope import ENTRY
from engine import activity_tree as tree_of
from engine.activity_tree import ActivityTimes, TreeInputs
from engine.history_text import readable_rows
from engine.instance_models import CallScopes, InstanceModels, ModelInfo, unknown_model
from engine.instance_scopes import LIVE, Entered, Scopes, scope_variables
from engine.model_map import ModelMap, read_model_map
from engine.queries import Queries
from engine.spiff.codec import content_hash, decode_value, encode_value
from engine.store import monitor_queries as sql
from engine.store.records import IncidentRecord, InstanceRecord, JobRecord, TaskRow
from engine.time_travel import Past
from steadyflow.errors import InvalidInputError, NotFoundError

MAX_HISTORY_PAGE = 1000
DEFAULT_HISTORY_PAGE = 100


class InstanceMonitor:
    def __init__(self, queries: Queries) -> None:
        self.queries = queries
        self.db = queries.db
        self.store = queries.engine.store
        self._maps: dict[str, ModelMap] = {}
        self._infos: dict[str, ModelInfo] = {}
        self._lock = threading.Lock()

    def model_map(self, definition_id: str) -> ModelMap:
        """Flows, types and loop inputs of a definition (read once, then cached)."""
        cached = self._maps.get(definition_id)
        if cached is not None:
            return cached
        xml, filename = self.queries.definition_xml(definition_id)
        found = read_model_map(xml.encode("utf-8"), filename)
        with self._lock:
            self._maps[definition_id] = found
        return found

    def model_info(self, definition_id: str) -> ModelInfo:
        """A definition's identity, element names and model map (a deployed definition never changes: cached)."""
        cached = self._infos.get(definition_id)
        if cached is not None:
            return cached
        try:
            record = self.queries.definition_record(definition_id)
        except NotFoundError:
            return unknown_model(definition_id)  # not cached: it may be a definition being deployed
        names = self.queries.outline(definition_id).names
        found = ModelInfo(definition_id, record.key, record.version, record.name, self.model_map(definition_id), names)
        with self._lock:
            self._infos[definition_id] = found
        return found

    def models_of(self, instance: InstanceRecord) -> InstanceModels:
        """The instance's model and those of the children its call activities run (from its frame)."""
        return InstanceModels.of(CallScopes.of(instance.definition_id, instance.frame), self.model_info)

    def _instance(self, conn: Any, instance_id: str) -> InstanceRecord:
        found = self.store.instance(conn, instance_id)
        if found is None:
            raise NotFoundError(f"process instance {instance_id} does not exist; list them with 'steadyflow instances'")
        return found

    def structure(
        self, instance_id: str, *, all_scopes: bool = True, labelled_per_scope: int | None = None
    ) -> dict[str, Any]:
        """Tree, counts, taken flows and variables per scope.

        For a page: ``all_scopes=False`` reads only the live scopes' variables, and
        ``labelled_per_scope`` labels only the first that many inner instances of each body.
        """
        with self.db.read() as conn:
            instance = self._instance(conn, instance_id)
            rows = sql.task_rows(conn, instance_id)
            activity = sql.activity_events(conn, instance_id)
            incidents = self.store.incidents(conn, instance_id)
            mapped = [r.id for r in self._mapped(instance, rows)]
            internals = sql.internal_manifests(conn, instance_id, mapped) if mapped else {}
            return self.structure_from(
                conn,
                instance,
                rows,
                activity,
                incidents,
                all_scopes=all_scopes,
                labelled_per_scope=labelled_per_scope,
                internals=internals,
            )

    def structure_at(self, past: Past) -> dict[str, Any]:
        """Tree, counts, taken flows and scopes of the instance as it was after a step (time travel)."""
        activity = [(e.type, e.task_id, e.at) for e in past.events if e.type in sql.ACTIVITY_EVENTS and e.task_id]
        rows = sorted(past.rows, key=lambda row: row.seq)
        with self.db.read() as conn:
            return self.structure_from(conn, past.instance, rows, activity, past.incidents)

    def structure_from(
        self,
        conn: Any,
        instance: InstanceRecord,
        rows: list[Any],
        activity: list[tuple[str, str, float]],
        incidents: list[IncidentRecord],
        *,
        all_scopes: bool = True,
        labelled_per_scope: int | None = None,
        internals: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """The structure of an instance from its rows (creation order) and events; time travel gives a past step's.

        ``internals``: the internal manifests of the live mapped tasks when ``rows`` have none (the
        monitor's rows leave them out); a past step's rows (time travel) carry theirs, but no jobs.
        """
        instance_id = instance.id
        models = self.models_of(instance)
        by_id = {r.id: r for r in rows}
        manifests = tree_of.manifests_of(rows)
        wanted = tree_of.inner_local_hashes(rows, by_id, models, manifests, labelled_per_scope)
        entered, entered_values = self._entered(conn, instance, rows, internals)
        scopes = Scopes.of(instance, rows, models, manifests, live_only=not all_scopes, entered=entered)
        texts = self.store.blobs(conn, (set(wanted.values()) | scopes.hashes()) - set(entered_values))
        times = ActivityTimes()
        for kind, task_id, at in activity:
            times.add(kind, task_id, at)
        values = {h: decode_value(text) for h, text in texts.items()} | entered_values
        record = self.queries.definition_record(instance.definition_id)
        open_on_task: dict[str, int] = {}
        for incident in incidents:
            if incident.state == "open" and incident.task_id:
                open_on_task[incident.task_id] = open_on_task.get(incident.task_id, 0) + 1
        tree = tree_of.build_tree(
            TreeInputs(
                instance_id=instance_id,
                process_name=record.name or record.key,
                rows=rows,
                times=times,
                models=models,
                locals_={key: values[h] for key, h in wanted.items() if h in values},
                incidents=open_on_task,
            )
        )
        tree["state"] = instance.state
        tree["started_at"] = instance.started_at
        tree["ended_at"] = instance.ended_at
        on_diagram = models.scopes.diagram_elements(rows)
        open_elements = [on_diagram.get(i.task_id or "", i.element_id) for i in incidents if i.state == "open"]
        return {
            "tree": tree,
            "element_counts": tree_of.element_counts(tree, open_elements),
            "taken_flows": tree_of.taken_flows(rows, models),
            "scopes": scope_variables(scopes, values, tree_of.labels(tree)),
        }

    def _mapped(self, instance: InstanceRecord, rows: list[TaskRow]) -> list[TaskRow]:
        """The live tasks whose element has input mappings: each may hold local variables."""
        models = self.models_of(instance)
        return [r for r in rows if r.state in LIVE and r.element_id in models.model_of(r).local_inputs]

    def _entered(
        self, conn: Any, instance: InstanceRecord, rows: list[TaskRow], internals: Mapping[str, str] | None
    ) -> tuple[Entered, dict[str, Any]]:
        """What the live mapped tasks entered their scopes with, and their jobs' variables; with the values read.

        An entry is one stored value (the whole variables dict): its variables are hashed here as
        the checkpoint hashes them, so they join the other scopes' values by hash.
        """
        mapped = self._mapped(instance, rows)
        if not mapped:
            return Entered(), {}
        entry_hashes: dict[str, str] = {}
        for row in mapped:
            text = internals.get(row.id, "{}") if internals is not None else row.internal
            found = json.loads(text) if text else {}
            if isinstance(found, dict) and isinstance(found.get(ENTRY), str):
                entry_hashes[row.id] = found[ENTRY]
        texts = self.store.blobs(conn, set(entry_hashes.values())) if entry_hashes else {}
        values: dict[str, Any] = {}
        entries: dict[str, dict[str, str]] = {}
        for task_id, digest in entry_hashes.items():
            entry = decode_value(texts[digest]) if digest in texts else None
            if not isinstance(entry, dict):
                continue
            hashes = entries.setdefault(task_id, {})
            for name, value in entry.items():
                hashes[name] = content_hash(encode_value(value))
                values[hashes[name]] = value
        job_variables: dict[str, dict[str, str]] = {}
        if internals is not None and any(r.kind == "job" for r in mapped):
            # Every job of the instance (a fan-out has one per branch, more than a listing's page).
            job_variables = self.store.job_variable_manifests(conn, instance.id)
        return Entered(entries, job_variables), values

    def jobs(self, instance_id: str, *, now: float | None = None, limit: int = 200) -> list[dict[str, Any]]:
        """The instance's jobs with a state people read: ready, locked by, failed (retry at), incident."""
        with self.db.read() as conn:
            self._instance(conn, instance_id)
            jobs = self.store.jobs(conn, instance_id=instance_id, limit=limit)
        at = time.time() if now is None else now
        return [job_status(job, at) for job in jobs]

    def incidents(self, instance_id: str) -> list[dict[str, Any]]:
        """Open and resolved incidents, newest first, each resolved one with how and when it closed."""
        with self.db.read() as conn:
            self._instance(conn, instance_id)
            incidents = self.store.incidents(conn, instance_id)
            resolutions = sql.incident_resolutions(conn, instance_id)
        return [incident_view(i, resolutions.get(i.id)) for i in reversed(incidents)]

    def history(
        self,
        instance_id: str,
        *,
        element_id: str | None = None,
        task_id: str | None = None,
        before_seq: int | None = None,
        limit: int = DEFAULT_HISTORY_PAGE,
        labels: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """A page of readable history, newest first; ``before`` of the answer fetches the next page.

        Reads the page's events and only the task rows they name (and their parents, to label inner
        instances); ``labels`` (task id -> label) skips that when the caller has the tree already.
        """
        if not 1 <= limit <= MAX_HISTORY_PAGE:
            raise InvalidInputError(f"'limit' must be between 1 and {MAX_HISTORY_PAGE} history events")
        if before_seq is not None and before_seq < 1:
            raise InvalidInputError("'before' must be a history sequence number (1 or more) from an earlier page")
        with self.db.read() as conn:
            instance = self._instance(conn, instance_id)
            task_ids = self._scope_tasks(conn, instance_id, task_id) if task_id else None
            events, total = sql.history_page(
                conn,
                instance_id,
                element_id=element_id,
                task_ids=task_ids,
                except_task_ids=self._called_tasks_of(conn, instance, element_id) if element_id else (),
                before_seq=before_seq,
                limit=limit,
            )
            names = self.queries.outline(instance.definition_id).names
            if labels is None:
                labels = self._page_labels(conn, instance, events)
        items = readable_rows(events, labels, names)
        oldest = events[-1].seq if events else None
        return {
            "items": items,
            "total": total,
            "limit": limit,
            "before": oldest if oldest is not None and oldest > 1 and len(events) == limit else None,
            "filters": {"activity": element_id, "task": task_id},
        }

    def _called_tasks_of(self, conn: Any, instance: InstanceRecord, element_id: str) -> list[str]:
        """A called child's tasks of id ``element_id`` when the instance's own model has an element of that id.

        The activity filter then means the instance's element; an id only a child has still finds the child's.
        """
        scopes = CallScopes.of(instance.definition_id, instance.frame)
        if not scopes.workflows or element_id not in self.model_map(instance.definition_id).types:
            return []
        return [
            task for task, workflow in sql.element_tasks(conn, instance.id, element_id) if not scopes.is_own(workflow)
        ]

    def _scope_tasks(self, conn: Any, instance_id: str, task_id: str) -> list[str]:
        """``task_id`` and every task inside it (its inner instances, its subprocess's tasks)."""
        rows = sql.task_rows(conn, instance_id)
        if not any(r.id == task_id for r in rows):
            raise InvalidInputError(
                f"instance {instance_id} has no activity instance {task_id}; pick one from its activity tree"
            )
        by_id = {r.id: r for r in rows}
        inside: dict[str, list[str]] = {}
        for row in rows:
            parent = by_id.get(row.parent_id or "")
            if parent is not None and tree_of.is_inner_instance(row, parent):
                inside.setdefault(parent.id, []).append(row.id)
            elif row.workflow_id:
                inside.setdefault(row.workflow_id, []).append(row.id)
        found, todo = [], [task_id]
        while todo:
            current = todo.pop()
            found.append(current)
            todo.extend(inside.get(current, []))
        return found

    def _page_labels(self, conn: Any, instance: InstanceRecord, events: list[Any]) -> dict[str, str]:
        rows = sql.task_rows(conn, instance.id, [e.task_id for e in events if e.task_id])
        parents = {r.id: r for r in sql.task_rows(conn, instance.id, [r.parent_id for r in rows if r.parent_id])}
        models = self.models_of(instance)
        wanted = tree_of.inner_local_hashes(rows, parents, models, tree_of.manifests_of(rows))
        texts = self.store.blobs(conn, set(wanted.values()))
        locals_ = {key: decode_value(texts[h]) for key, h in wanted.items() if h in texts}
        return tree_of.row_labels(rows, parents, models, locals_)


JOB_FIELDS = tuple(f.name for f in fields(JobRecord) if f.name != "variables")


def job_status(job: JobRecord, now: float) -> dict[str, Any]:
    """A job as stored plus ``status``: ready / locked by W until T / failed, retry at T / incident."""
    if job.state == "incident":
        status, label = "incident", "incident"
    elif job.lock_owner and job.lock_expires_at is not None and job.lock_expires_at > now:
        status, label = "locked", f"locked by {job.lock_owner} until"
    elif job.last_error and job.due_at > now:
        status, label = "failed", "failed, retry at"
    elif job.due_at > now:
        status, label = "scheduled", "due at"
    else:
        status, label = "ready", "ready"
    data = {name: getattr(job, name) for name in JOB_FIELDS}
    until = job.lock_expires_at if status == "locked" else job.due_at if status in ("failed", "scheduled") else None
    return data | {"status": status, "status_label": label, "status_until": until}


def incident_view(incident: IncidentRecord, resolution: dict[str, Any] | None) -> dict[str, Any]:
    data = asdict(incident)
    if incident.state == "resolved":
        how = (resolution or {}).get("resolution") or ("closed with the instance" if resolution is None else "resolved")
        data["resolution"] = how
    else:
        data["resolution"] = None
    return data
