"""Every table steadyflow keeps, in one place (SQLAlchemy Core).

Alembic migrations in ``engine/store/migrations`` create exactly these tables;
``tests/integration/test_migrations.py`` checks that they agree.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

SCHEMA_VERSION = "0012"
"""The Alembic head this code expects; bump with every migration."""

deployments = Table(
    "deployments",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("source", String(255), nullable=True),
    Column("filename", String(255), nullable=False),
    Column("xml_sha256", String(64), nullable=False),
    Column("xml", Text, nullable=False),
    Column("deployed_at", Float, nullable=False),
)

definitions = Table(
    "definitions",
    metadata,
    Column("id", String(255), primary_key=True),
    Column("key", String(255), nullable=False),
    Column("version", Integer, nullable=False),
    Column("name", String(255), nullable=True),
    Column("deployment_id", String(64), ForeignKey("deployments.id"), nullable=False),
    Column("xml_sha256", String(64), nullable=False),
    Column("parser_version", Integer, nullable=False),
    Column("deployed_at", Float, nullable=False),
    Column("called", Text, nullable=False, server_default="[]"),
    # JSON {process key: definition id} of the processes deployed with it (a `deployment` call binding
    # calls these); a JSON list (deployment ids its callees were bound to) from before run-time binding.
    Column("version_tag", String(255), nullable=True),
    # camunda:versionTag / zeebe:versionTag of the process: what a `versionTag` call binding looks for.
    UniqueConstraint("key", "version", name="uq_definitions_key_version"),
    Index("ix_definitions_key_tag", "key", "version_tag"),
)

blobs = Table(
    "blobs",
    metadata,
    Column("hash", String(64), primary_key=True),
    Column("data", Text, nullable=False),
)
"""Content-addressed JSON values: one row per distinct variable value, written once."""

instances = Table(
    "instances",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("definition_id", String(255), ForeignKey("definitions.id"), nullable=False),
    Column("definition_key", String(255), nullable=False),
    Column("business_key", String(255), nullable=True),
    Column("state", String(16), nullable=False),  # running | completed | cancelled | failed
    Column("version", Integer, nullable=False),
    Column("event_seq", Integer, nullable=False),
    Column("open_incidents", Integer, nullable=False, default=0),
    Column("frame", Text, nullable=False),
    Column("started_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("ended_at", Float, nullable=True),
)
Index("ix_instances_state_started", instances.c.state, instances.c.started_at)
Index("ix_instances_definition", instances.c.definition_key, instances.c.state)
Index("ix_instances_business_key", instances.c.business_key)

tasks = Table(
    "tasks",
    metadata,
    Column("instance_id", String(36), ForeignKey("instances.id"), primary_key=True),
    Column("id", String(36), primary_key=True),
    Column("workflow_id", String(36), nullable=False),  # '' at the top level, or the subprocess task id
    Column("parent_id", String(36), nullable=True),
    Column("spec_name", String(255), nullable=False),
    Column("element_id", String(255), nullable=True),
    Column("state", Integer, nullable=False),
    Column("last_state_change", Float, nullable=False),
    Column("triggered", Boolean, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("internal", Text, nullable=False),
    Column("data", Text, nullable=False),
    Column("depth", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
)
Index("ix_tasks_open_user", tasks.c.kind, tasks.c.state)
"""One row per SpiffWorkflow task; a step rewrites only the rows that changed."""

jobs = Table(
    "jobs",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("instance_id", String(36), ForeignKey("instances.id"), nullable=False),
    Column("task_id", String(36), nullable=False),
    Column("element_id", String(255), nullable=False),
    Column("type", String(255), nullable=False),
    Column("state", String(16), nullable=False),  # ready | incident
    Column("variables", Text, nullable=False),
    Column("headers", Text, nullable=False),
    Column("retry_policy", Text, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("retries_left", Integer, nullable=False),
    Column("due_at", Float, nullable=False),
    Column("lock_owner", String(255), nullable=True),
    Column("lock_expires_at", Float, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("error_details", Text, nullable=True),
    Column("priority", Integer, nullable=False, default=0),
    Column("created_at", Float, nullable=False),
    # The called child's definition whose model holds the job's element; NULL: the instance's own (0012).
    Column("called_definition_id", String(255), nullable=True),
)
Index("ix_jobs_due", jobs.c.state, jobs.c.due_at)
Index("ix_jobs_type_due", jobs.c.type, jobs.c.state, jobs.c.due_at)
Index("ix_jobs_instance_task", jobs.c.instance_id, jobs.c.task_id)  # 0011
# Jobs of a called child by its definition (0012); partial: the instance's own jobs (NULL) are most.
Index(
    "ix_jobs_called_definition",
    jobs.c.called_definition_id,
    postgresql_where=jobs.c.called_definition_id.is_not(None),
    sqlite_where=jobs.c.called_definition_id.is_not(None),
)

timers = Table(
    "timers",
    metadata,
    Column("id", String(36), primary_key=True),  # the waiting task's id
    Column("instance_id", String(36), ForeignKey("instances.id"), nullable=False),
    Column("element_id", String(255), nullable=False),
    Column("due_at", Float, nullable=False),
    Column("lock_owner", String(255), nullable=True),
    Column("lock_expires_at", Float, nullable=True),
)
Index("ix_timers_due", timers.c.due_at)
Index("ix_timers_instance", timers.c.instance_id)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", String(80), primary_key=True),  # the waiting task's id, plus the event name for multi-event waits
    Column("task_id", String(36), nullable=False),
    Column("instance_id", String(36), ForeignKey("instances.id"), nullable=False),
    Column("element_id", String(255), nullable=False),
    Column("kind", String(16), nullable=False),  # message | signal
    Column("name", String(255), nullable=False),
    Column("correlation_key", String(255), nullable=True),
    Column("created_at", Float, nullable=False),
)
"""Instances waiting for a message or signal, found by name (and correlation key) when one arrives."""
Index("ix_subscriptions_lookup", subscriptions.c.kind, subscriptions.c.name, subscriptions.c.correlation_key)
Index("ix_subscriptions_instance", subscriptions.c.instance_id)

messages = Table(
    "messages",
    metadata,
    Column("id", String(255), primary_key=True),  # the sender's message id: correlated at most once
    Column("name", String(255), nullable=False),
    Column("result", Text, nullable=False),
    Column("received_at", Float, nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("instance_id", String(36), nullable=False),
    Column("kind", String(16), nullable=False),  # message | signal
    Column("name", String(255), nullable=False),
    Column("payload", Text, nullable=False),
    Column("created_at", Float, nullable=False),
)
"""Messages and signals thrown by a step, delivered to other instances after it commits."""

start_timers = Table(
    "start_timers",
    metadata,
    Column("id", String(512), primary_key=True),  # "<definition key>/<element id>"
    Column("definition_key", String(255), nullable=False),
    Column("definition_id", String(255), nullable=False),
    Column("element_id", String(255), nullable=False),
    Column("kind", String(16), nullable=False),  # date | duration | cycle
    Column("expression", String(255), nullable=False),
    Column("due_at", Float, nullable=False),
    Column("cycles_left", Integer, nullable=True),  # None: repeats without end
    Column("lock_owner", String(255), nullable=True),
    Column("lock_expires_at", Float, nullable=True),
)
"""Timer start events of the latest version of each process: the scheduler starts instances from them."""
Index("ix_start_timers_due", start_timers.c.due_at)

incidents = Table(
    "incidents",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("instance_id", String(36), ForeignKey("instances.id"), nullable=False),
    Column("job_id", String(36), nullable=True),
    Column("task_id", String(36), nullable=True),
    Column("element_id", String(255), nullable=True),
    Column("type", String(32), nullable=False),  # failedJob | expression | unhandledError
    Column("message", Text, nullable=False),
    Column("details", Text, nullable=True),
    Column("state", String(16), nullable=False),  # open | resolved
    Column("created_at", Float, nullable=False),
    Column("resolved_at", Float, nullable=True),
)
Index("ix_incidents_instance", incidents.c.instance_id, incidents.c.state)
Index("ix_incidents_state", incidents.c.state)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("instance_id", String(36), ForeignKey("instances.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("type", String(40), nullable=False),
    Column("element_id", String(255), nullable=True),
    Column("task_id", String(36), nullable=True),
    Column("job_id", String(36), nullable=True),
    Column("at", Float, nullable=False),
    Column("data", Text, nullable=True),
    UniqueConstraint("instance_id", "seq", name="uq_events_instance_seq"),
)
"""Append-only history: written in the step's transaction, numbered without gaps per instance."""

# -- 0002: accounts, user task claims, and indexes for the web UI's listings -------------------

Index("ix_instances_started_at", instances.c.started_at)
Index("ix_instances_updated_at", instances.c.updated_at)
Index("ix_instances_definition_id", instances.c.definition_id, instances.c.state)

users = Table(
    "users",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(16), nullable=False),  # viewer | operator | admin
    Column("must_change_password", Boolean, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("password_changed_at", Float, nullable=False),
)
"""People who may log in; passwords hashed with argon2id, never stored or logged in clear."""

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("user_id", String(36), ForeignKey("users.id"), nullable=False),
    Column("name", String(64), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", Float, nullable=False),
    Column("last_used_at", Float, nullable=True),
)
Index("ix_api_tokens_user", api_tokens.c.user_id)
"""Bearer tokens for the APIs; only a SHA-256 of each (random, high-entropy) token is kept."""

settings = Table(
    "settings",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)
"""Server-wide values every ``steadyflow serve`` must share, such as the session signing key."""

user_task_claims = Table(
    "user_task_claims",
    metadata,
    Column("task_id", String(36), primary_key=True),
    Column("instance_id", String(36), ForeignKey("instances.id"), nullable=False),
    Column("username", String(64), nullable=False),
    Column("claimed_at", Float, nullable=False),
)
"""Who is working on an open user task (the tasklist's claim)."""

# -- 0003: Camunda 8 keys ------------------------------------------------------------------------

KEY_TYPE = BigInteger().with_variant(Integer, "sqlite")
"""SQLite's rowid alias must be spelled INTEGER; PostgreSQL needs 64 bits."""

c8_keys = Table(
    "c8_keys",
    metadata,
    Column("key", KEY_TYPE, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("row_id", String(255), nullable=False),
    UniqueConstraint("kind", "row_id", name="uq_c8_keys_row"),
    sqlite_autoincrement=True,
)
"""The 64-bit key a Camunda 8 client sees for one of our rows (uuid or definition id).

Given once per row, on first use; AUTOINCREMENT (SQLite) and a sequence (PostgreSQL) never hand
out a number twice, even after rows are deleted, so a key a client kept never names another row.
"""

# -- 0004: worker liveness ---------------------------------------------------------------------

workers = Table(
    "workers",
    metadata,
    Column("id", String(255), primary_key=True),
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started_at", Float, nullable=False),
    Column("heartbeat_at", Float, nullable=False),
)
Index("ix_workers_host", workers.c.host)
"""Our own worker pools, each heartbeating; a job locked by one whose heartbeat stopped is taken over.

Lock owners not listed here (external clients' ``workerId``) keep their locks until those expire.
"""

# -- 0005: buffered messages ---------------------------------------------------------------------

message_buffer = Table(
    "message_buffer",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("correlation_key", String(255), nullable=True),
    Column("message_id", String(255), nullable=True),
    Column("dedupe", String(64), nullable=True),  # sha256 of name, correlation key and message id
    Column("variables", Text, nullable=False),
    Column("published_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    UniqueConstraint("dedupe", name="uq_message_buffer_dedupe"),
)
"""Published messages kept for their time to live (Camunda 8), for instances that wait for them later.

Which processes took one is recorded in ``messages`` (one row per message and process key, inserted by
the delivering step), so a buffered message reaches each process at most once.
"""
Index("ix_message_buffer_lookup", message_buffer.c.name, message_buffer.c.correlation_key)
Index("ix_message_buffer_expiry", message_buffer.c.expires_at)

# -- 0006: time travel and the heatmap ----------------------------------------------------------

step_states = Table(
    "step_states",
    metadata,
    Column("instance_id", String(36), ForeignKey("instances.id"), primary_key=True),
    Column("version", Integer, primary_key=True),  # the instance row's version the step left
    Column("definition_id", String(255), nullable=False),
    Column("at", Float, nullable=False),
    Column("state", String(16), nullable=False),
    Column("first_seq", Integer, nullable=False),  # the step's history events: first_seq..last_seq
    Column("last_seq", Integer, nullable=False),
    Column("upserts", Text, nullable=False),  # JSON list of the task rows the step wrote
    Column("deletes", Text, nullable=False),  # JSON list of the task ids it deleted
    Column("frame", Text, nullable=True),  # the workflow frame, when the step changed it
)
"""What each step changed, so an instance can be rebuilt as it was after any step (time travel, rewind)."""

element_stats = Table(
    "element_stats",
    metadata,
    Column("definition_id", String(255), ForeignKey("definitions.id"), primary_key=True),
    Column("element_id", String(255), primary_key=True),
    Column("span", String(1), primary_key=True),  # 0008: h (hour), d (day) or t (all time)
    Column("period", Integer, primary_key=True),  # completion time // 3600 (h) or // 86400 (d); 0 for t
    Column("bucket", Integer, primary_key=True),  # duration class, see engine/heatmap.py
    Column("shard", Integer, primary_key=True),  # spreads concurrent writers over rows
    Column("passed", BigInteger, nullable=False),
    Column("total_s", Float, nullable=False),
)
"""Completed activity instances per element, period (hour, day, all time) and duration class, kept by the writer.

Each completion adds to one row of each span, so a window reads whole days and the hours at its edges,
and all time reads one row per duration class and shard (migration 0008 replaced the hour-only table).
"""
Index("ix_element_stats_span", element_stats.c.definition_id, element_stats.c.span, element_stats.c.period)  # 0009

# -- 0007: DMN decisions -------------------------------------------------------------------------

decision_definitions = Table(
    "decision_definitions",
    metadata,
    Column("id", String(255), primary_key=True),  # key:version:sha12
    Column("key", String(255), nullable=False),  # the decision's id in the DMN file
    Column("version", Integer, nullable=False),
    Column("name", String(255), nullable=True),
    Column("deployment_id", String(64), ForeignKey("deployments.id"), nullable=False),
    Column("xml_sha256", String(64), nullable=False),
    Column("drg_id", String(255), nullable=False),  # the file's definitions id (Camunda's DRD key)
    Column("deployed_at", Float, nullable=False),
    UniqueConstraint("key", "version", name="uq_decision_definitions_key_version"),
)
"""Every decision of every deployed DMN file, versioned per key like process definitions."""

decision_evaluations = Table(
    "decision_evaluations",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("decision_definition_id", String(255), ForeignKey("decision_definitions.id"), nullable=False),
    Column("decision_key", String(255), nullable=False),
    Column("instance_id", String(36), nullable=True),  # None: evaluated over an API, not by a task
    Column("element_id", String(255), nullable=True),
    Column("task_id", String(36), nullable=True),
    Column("event_seq", Integer, nullable=True),  # its DecisionEvaluated event in the instance's history
    Column("evaluated_at", Float, nullable=False),
    Column("record", Text, nullable=False),  # JSON: each decision of the DRG's inputs, matched rules, outputs
)
"""Each evaluation of a decision (and the decisions it required), for history and the decision page."""

Index("ix_decision_evaluations_key", decision_evaluations.c.decision_key, decision_evaluations.c.evaluated_at)
Index("ix_decision_evaluations_instance", decision_evaluations.c.instance_id, decision_evaluations.c.event_seq)
