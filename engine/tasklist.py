"""The tasklist: open user tasks, who has claimed them, their forms, and completing them."""

from __future__ import annotations

import time
from typing import Any, Literal

from engine.engine import Engine, check_variables
from engine.forms import FormField, coerce_form
from engine.instance_models import CallScopes
from engine.queries import Queries
from engine.store import tasklist as sql
from engine.store.database import Connection
from engine.store.records import DefinitionRecord, InstanceRecord
from steadyflow.errors import ConflictError, NotFoundError

FormUse = Literal["only", "validate", "ignore"]
"""How a completion reads the values through the task's form (``Tasklist.complete``)."""


class Tasklist:
    def __init__(self, engine: Engine, queries: Queries) -> None:
        self.engine = engine
        self.queries = queries
        self.db = engine.db

    def open_tasks(
        self, *, instance_id: str | None = None, assignee: str | None = None, limit: int | None = sql.LIMIT
    ) -> list[dict[str, Any]]:
        """Open user tasks, oldest first (at most ``limit``), named; ``assignee`` '' means unclaimed ones only."""
        with self.db.read() as conn:
            rows = self._with_models(conn, sql.open_user_tasks(conn, instance_id=instance_id, limit=limit))
        if assignee is not None:
            rows = [r for r in rows if (r["assignee"] or "") == assignee]
        for row in rows:
            names = self.queries.outline(row["element_definition_id"]).names
            row["name"] = names.get(row["element_id"], row["element_id"])
        return rows

    def task(self, task_id: str) -> dict[str, Any]:
        """One open user task with its form fields."""
        with self.db.read() as conn:
            found = self._with_models(conn, sql.open_user_tasks(conn, task_id=task_id))
        if not found:
            raise NotFoundError(f"user task {task_id} is not open: it was completed, cancelled, or never existed")
        row = found[0]
        outline = self.queries.outline(row["element_definition_id"])
        row["name"] = outline.names.get(row["element_id"], row["element_id"])
        row["fields"] = [f.as_dict() for f in outline.forms.get(row["element_id"], [])]
        return row

    def claim(self, task_id: str, username: str, *, take_over: bool = False) -> None:
        task = self.task(task_id)

        def work(conn: Connection) -> None:
            holder = sql.claim_of(conn, task_id, lock=True)
            if holder not in (None, username) and not take_over:
                raise ConflictError(f"user task {task_id} is claimed by {holder!r}; ask them to unclaim it")
            sql.set_claim(conn, task_id, task["instance_id"], username, time.time())

        self._write(work, f"claim user task {task_id}")

    def unclaim(self, task_id: str, username: str, *, any_user: bool = False) -> None:
        self.task(task_id)

        def work(conn: Connection) -> None:
            holder = sql.claim_of(conn, task_id, lock=True)
            if holder not in (None, username) and not any_user:
                raise ConflictError(f"user task {task_id} is claimed by {holder!r}, not by you")
            sql.drop_claim(conn, task_id)

        self._write(work, f"unclaim user task {task_id}")

    def complete(
        self,
        task_id: str,
        username: str,
        values: dict[str, Any],
        *,
        any_user: bool = False,
        form: FormUse = "only",
    ) -> dict[str, Any]:
        """Complete the task with ``values``, read through its form (if it has one) as ``form`` says.

        ``only`` (a form's submission, the web UI's): the form's fields, checked and typed, are the
        variables. ``validate`` (Camunda 7's submit-form): the fields are checked and typed, and the
        other values are set as they came. ``ignore`` (Camunda 7's complete, Camunda 8's completion):
        every value is set, the form is not looked at.
        """
        task = self.task(task_id)
        if task["assignee"] not in (None, username) and not any_user:
            raise ConflictError(f"user task {task_id} is claimed by {task['assignee']!r}; only they can complete it")
        fields = (
            self.queries.outline(task["element_definition_id"]).forms.get(task["element_id"], [])
            if form != "ignore"
            else []
        )
        if not fields:
            variables = check_variables(values)
        elif form == "only":
            variables = coerce_form(fields, values)
        else:
            variables = {**check_variables(values), **coerce_form(fields, values)}
        self.engine.complete_user_task(task["instance_id"], task_id, variables)
        self._write(lambda conn: sql.drop_claim(conn, task_id), f"release user task {task_id}")
        return {"instance_id": task["instance_id"], "task_id": task_id, "variables": variables}

    def _with_models(self, conn: Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Each row with ``element_definition_id``: the definition whose model holds the task.

        That is the instance's, except for a task of a child a call activity runs inside it: its
        name and form are the child's (the caller may even have an element of the same id).
        """
        scopes: dict[str, CallScopes] = {}
        for row in rows:
            definition_id = row["definition_id"]
            if row["workflow_id"]:  # in a subprocess: the frame says whether it is a called child
                instance_id = row["instance_id"]
                if instance_id not in scopes:
                    instance = self.engine.store.instance(conn, instance_id)
                    scopes[instance_id] = CallScopes.of(definition_id, instance.frame if instance else None)
                definition_id = scopes[instance_id].definition_of(row["workflow_id"])
            row["element_definition_id"] = definition_id
        return rows

    # -- start forms ---------------------------------------------------------------
    def start_form(self, key: str, version: int | None = None) -> tuple[DefinitionRecord, list[FormField]]:
        """The definition a start would use, and its start form's fields (none when it has no form)."""
        definition = self.engine.definitions.resolve(key, version)
        return definition, self.queries.outline(definition.id).start_forms.get(definition.key, [])

    def start(
        self, key: str, values: dict[str, Any], *, business_key: str | None = None, version: int | None = None
    ) -> InstanceRecord:
        """Start an instance with what was entered into the start form, checked and typed by its fields.

        Like Camunda's start forms, only the form's fields become variables; without a form,
        ``values`` are the variables as they are.
        """
        definition, fields = self.start_form(key, version)
        variables = coerce_form(fields, values) if fields else check_variables(values)
        return self.engine.start(key, variables, business_key=business_key, version=definition.version)

    def _write(self, work: Any, what: str) -> None:
        def attempt() -> None:
            with self.db.write() as conn:
                work(conn)

        self.db.retrying(attempt, what=what)
