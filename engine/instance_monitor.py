"""One instance as an operator watches it: activity tree, scopes, jobs, incidents, readable history.

Everything is computed from indexed rows (task rows and their variable manifests, a page of
events, the few blobs a view shows); the workflow is never restored, so a thousand-region
instance with ten thousand events answers in a few database reads. Built over
:class:`~engine.queries.Queries` (element names and the cached model map per definition).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from engine import activity_tree as tree_of
from engine.activity_tree import ActivityTimes, TreeInputs
from engine.history_text import readable_rows
from engine.instance_scopes import Scopes, scope_variables
from engine.model_map import ModelMap, read_model_map
from engine.queries import Queries
from engine.spiff.codec import decode_value
from engine.store import monitor_queries as sql
from engine.store.records import IncidentRecord, InstanceRecord, JobRecord
from steadyflow.errors import InvalidInputError, NotFoundError

MAX_HISTORY_PAGE = 1000
DEFAULT_HISTORY_PAGE = 100


class InstanceMonitor:
    def __init__(self, queries: Queries) -> None:
        self.queries = queries
        self.db = queries.db
        self.store = queries.engine.store
        self._maps: dict[str, ModelMap] = {}
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

    def _instance(self, conn: Any, instance_id: str) -> InstanceRecord:
        found = self.store.instance(conn, instance_id)
        if found is None:
            raise NotFoundError(f"process instance {instance_id} does not exist; list them with 'steadyflow instances'")
        return found

    def structure(self, instance_id: str) -> dict[str, Any]:
        """Tree, counts, taken flows and variables per scope of one instance."""
        with self.db.read() as conn:
            instance = self._instance(conn, instance_id)
            rows = self.store.task_rows(conn, instance_id)
            activity = sql.activity_events(conn, instance_id)
            incidents = self.store.incidents(conn, instance_id)
            model = self.model_map(instance.definition_id)
            by_id = {r.id: r for r in rows}
            wanted = tree_of.inner_local_hashes(rows, by_id, model)
            scopes = Scopes.of(instance, rows, model)
            texts = self.store.blobs(conn, set(wanted.values()) | scopes.hashes())
        times = ActivityTimes()
        for kind, task_id, at in activity:
            times.add(kind, task_id, at)
        values = {h: decode_value(text) for h, text in texts.items()}
        record = self.queries.definition_record(instance.definition_id)
        names = self.queries.outline(instance.definition_id).names
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
                names=names,
                model=model,
                locals_={key: values[h] for key, h in wanted.items() if h in values},
                incidents=open_on_task,
            )
        )
        tree["state"] = instance.state
        tree["started_at"] = instance.started_at
        tree["ended_at"] = instance.ended_at
        open_elements = [i.element_id for i in incidents if i.state == "open"]
        return {
            "tree": tree,
            "element_counts": tree_of.element_counts(tree, open_elements),
            "taken_flows": tree_of.taken_flows(rows, model),
            "scopes": scope_variables(scopes, values, tree_of.labels(tree)),
        }

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
        scope_of: Mapping[str, list[str]] | None = None,
    ) -> dict[str, Any]:
        """A page of readable history, newest first; ``before`` of the answer fetches the next page."""
        if not 1 <= limit <= MAX_HISTORY_PAGE:
            raise InvalidInputError(f"'limit' must be between 1 and {MAX_HISTORY_PAGE} history events")
        if before_seq is not None and before_seq < 1:
            raise InvalidInputError("'before' must be a history sequence number (1 or more) from an earlier page")
        if labels is None or (task_id and scope_of is None):
            structure = self.structure(instance_id)
            labels = tree_of.labels(structure["tree"])
            scope_of = task_scopes(structure["tree"])
        task_ids = None
        if task_id:
            if scope_of is None or task_id not in scope_of:
                raise InvalidInputError(
                    f"instance {instance_id} has no activity instance {task_id}; pick one from its activity tree"
                )
            task_ids = scope_of[task_id]
        with self.db.read() as conn:
            instance = self._instance(conn, instance_id)
            events, total = sql.history_page(
                conn, instance_id, element_id=element_id, task_ids=task_ids, before_seq=before_seq, limit=limit
            )
        names = self.queries.outline(instance.definition_id).names
        items = readable_rows(events, labels, names)
        oldest = events[-1].seq if events else None
        return {
            "items": items,
            "total": total,
            "limit": limit,
            "before": oldest if oldest is not None and oldest > 1 and len(events) == limit else None,
            "filters": {"activity": element_id, "task": task_id},
        }


def task_scopes(tree: dict[str, Any]) -> dict[str, list[str]]:
    """task id -> that task and every task below it, so filtering by a scope shows all it ran."""
    found: dict[str, list[str]] = {}

    def visit(node: dict[str, Any]) -> list[str]:
        ids = [node["id"]]
        for child in node["children"]:
            ids.extend(visit(child))
        found[node["id"]] = ids
        return ids

    for child in tree["children"]:
        visit(child)
    return found


def job_status(job: JobRecord, now: float) -> dict[str, Any]:
    """A job as stored plus ``status``: ready / locked by W until T / failed, retry at T / incident."""
    if job.state == "incident":
        status, label = "incident", "incident"
    elif job.lock_owner and job.lock_expires_at is not None and job.lock_expires_at > now:
        status, label = "locked", f"locked by {job.lock_owner}"
    elif job.last_error and job.due_at > now:
        status, label = "failed", "failed, retry at"
    elif job.due_at > now:
        status, label = "scheduled", "due at"
    else:
        status, label = "ready", "ready"
    data = asdict(job)
    data.pop("variables", None)
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
