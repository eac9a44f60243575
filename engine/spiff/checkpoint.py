"""Find what changed in a live workflow since its last checkpoint, as rows to write.

Cost per step is what changed, not the instance's size: a task whose state,
state-change time and variable identities are as last written is skipped
without encoding anything, and every variable value is stored once, by content
hash, so a thousand tasks that share a list of regions share one blob.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from SpiffWorkflow.util.task import TaskState

from bpmn.specs.task_index import TaskIndex
from engine.spiff.codec import content_hash, dumps, encode_value
from engine.spiff.verification import verifying
from engine.store.records import TaskRow

FINISHED = TaskState.FINISHED_MASK
EMPTY_MANIFEST = dumps({})
IMMUTABLE = frozenset({str, int, float, bool, type(None)})
"""Values whose identity fixes their content: never re-encoded while the same object is held."""


@dataclass(slots=True)
class ValueRef:
    """A variable value as last written: the object (kept alive so identity stays meaningful) and its hash."""

    value: Any
    hash: str


@dataclass
class TaskMemory:
    """A task as last written: its row, its values' refs, and their fingerprint.

    The fingerprint (names, and the identities of the objects held, in order) lets a step
    tell an untouched task by comparing two tuples built at C speed: a fan-out's step
    looks at every task of the instance, and nearly all of them are untouched.
    """

    row: TaskRow
    data: dict[str, ValueRef]
    internal: dict[str, ValueRef]
    data_keys: tuple[str, ...] = field(init=False)
    data_ids: tuple[int, ...] = field(init=False)
    internal_keys: tuple[str, ...] = field(init=False)
    internal_ids: tuple[int, ...] = field(init=False)
    internal_has_dict: bool = field(init=False)
    """A dict in internal data may change in place (an event's payload): such a task is always compared."""

    def __post_init__(self) -> None:
        self.data_keys = tuple(self.data)
        self.data_ids = tuple(id(ref.value) for ref in self.data.values())
        self.internal_keys = tuple(self.internal)
        self.internal_ids = tuple(id(ref.value) for ref in self.internal.values())
        self.internal_has_dict = any(isinstance(ref.value, dict) for ref in self.internal.values())


@dataclass
class Persisted:
    """What the database holds for one instance, as this process last wrote or read it."""

    tasks: dict[str, TaskMemory] = field(default_factory=dict)
    by_uuid: dict[UUID, TaskMemory] = field(default_factory=dict)
    """The same memories by the live task's id object: a step finds a task's without formatting its id."""
    next_seq: int = 0
    frame: str = ""
    workflow_data: dict[str, dict[str, ValueRef]] = field(default_factory=dict)
    tracked: Tracking | None = None
    """The task indexes whose ``touched`` sets hold every change since these memories were made;
    None when they do not (a new instance, a workflow replaced): the next capture compares every task."""
    dict_internal: set[UUID] = field(default_factory=set)
    """Tasks whose internal data holds a dict, which may change in place unseen: compared on every step."""

    def snapshot(self) -> Persisted:
        """A copy whose dicts a capture may change without changing these (memories are never changed)."""
        return Persisted(
            tasks=dict(self.tasks),
            by_uuid=dict(self.by_uuid),
            next_seq=self.next_seq,
            frame=self.frame,
            workflow_data=self.workflow_data,
            dict_internal=set(self.dict_internal),
        )


@dataclass(frozen=True)
class Tracking:
    """The live workflow a ``Persisted`` was last made from, and each of its workflows' task index."""

    workflow: Any
    indexes: dict[str, Any]
    """Workflow id ("" for the instance, else the owning task's id) -> that workflow's ``TaskIndex``."""


@dataclass
class Checkpoint:
    """The rows one step must write, and the memory to keep once they are committed."""

    upserts: list[TaskRow]
    deletes: list[str]
    blobs: dict[str, str]
    frame: str
    frame_changed: bool
    previous_states: dict[str, int | None]
    previous_rows: dict[str, TaskRow]
    """The rows as they were before the step, of the upserted tasks that had one."""
    after: Persisted
    encoder: StepEncoder
    """The step's encoder, for the rest of the step's values (its jobs' variables)."""
    upsert_tasks: list[Any] = field(default_factory=list)
    """The live task of each of ``upserts``, in the same order (no look-up by id for what the step derives)."""
    compared: int = 0
    """How many live tasks the capture looked at (all of them, or only those touched)."""


def iter_tasks(workflow: Any) -> Iterator[tuple[str, Any]]:
    """Every task of the workflow and its subprocesses, parents before children.

    A workflow's ``tasks`` dict holds its tasks in creation order (a restored one, in
    depth order), and a task is created after its parent and its earlier siblings:
    reading it is the tree's order among siblings without walking the tree.
    """
    for task in list(workflow.tasks.values()):
        yield "", task
    for sp_id, subprocess in workflow.subprocesses.items():
        workflow_id = str(sp_id)
        for task in list(subprocess.tasks.values()):
            yield workflow_id, task


class StepEncoder:
    """Encodes variable values to blobs within one step, reusing hashes of values already written.

    Nothing runs between two encodings of a step, so one object encodes to one text:
    the many copies of ``regions`` a fan-out's instances and jobs hold are encoded once.
    """

    def __init__(self) -> None:
        self.blobs: dict[str, str] = {}
        self._seen: dict[int, tuple[Any, str, str]] = {}
        """id(value) -> (value, text, hash); the value is held so that its id is not reused."""

    def encode(self, value: Any) -> tuple[str, str]:
        """The value's canonical text and its content hash."""
        seen = self._seen.get(id(value))
        if seen is not None and seen[0] is value:
            return seen[1], seen[2]
        text = encode_value(value)
        digest = content_hash(text)
        self._seen[id(value)] = (value, text, digest)
        return text, digest

    def manifest(
        self,
        values: dict[str, Any],
        before: dict[str, ValueRef],
        force: bool,
        text_before: str | None = None,
        inherited: dict[str, ValueRef] | None = None,
    ) -> tuple[dict[str, ValueRef], str]:
        """The refs of ``values`` and their manifest text; ``text_before`` is ``before``'s, reused when the
        refs came out the same (a manifest is a function of its names and hashes).

        ``inherited``: the refs of the multi-instance body holding this instance, as this step
        leaves them. A value that is the very object the body holds under the same name takes the
        body's ref without encoding: the instances hold the activity's collection itself, and each
        completing instance would otherwise encode the whole collection again. Nothing changes an
        instance's values in place (our triggers assign, ``_TrackedTask._inherit_data`` copies
        before a merge would, scripts run in another process), so the body's hash of the object is
        its hash here too.
        """
        if not values and not before:
            return {}, EMPTY_MANIFEST  # most tasks hold no values (a fan-out's predicted tasks, gateways)
        refs: dict[str, ValueRef] = {}
        same = len(values) == len(before)
        for key, value in values.items():
            old = before.get(key)
            if inherited is not None:
                shared = inherited.get(key)
                if shared is not None and shared.value is value:
                    refs[key] = shared
                    if old is None or old.hash != shared.hash:
                        same = False
                    continue
            if (
                old is not None
                and old.value is value
                and (type(value) in IMMUTABLE or not (force or isinstance(value, dict)))
            ):
                refs[key] = old  # the very same object, and either it cannot change or nothing suggests it did
                continue
            text, digest = self.encode(value)
            if old is None or old.hash != digest:
                self.blobs[digest] = text
                same = False
            refs[key] = ValueRef(value, digest)
        if same and text_before is not None:
            return refs, text_before
        return refs, dumps({k: r.hash for k, r in refs.items()})


def capture(workflow: Any, before: Persisted, frame_of: Any) -> Checkpoint:
    """Compare the live workflow with ``before``; ``frame_of(workflow, encoder, data_before)`` builds the frame.

    When ``before`` was made from this very workflow and its task indexes kept track since
    (``Persisted.tracked``), only the tasks they name as touched are compared, and ``before``
    itself becomes the memory after the step (the caller drops the live instance when a step
    fails): a step's cost is what it changed, not the instance's size. Otherwise every task is
    compared. With ``STEADYFLOW_VERIFY_TASK_INDEX=1`` both are computed and must agree.
    """
    indexes = _indexes(workflow)
    tracked = before.tracked
    incremental = (
        tracked is not None
        and indexes is not None
        and tracked.workflow is workflow
        and all(indexes.get(key) is index for key, index in tracked.indexes.items())
    )
    reference = before.snapshot() if incremental and verifying() else None
    if incremental:
        assert tracked is not None and indexes is not None
        checkpoint = _capture_touched(workflow, before, frame_of, tracked, indexes)
    else:
        checkpoint = _capture_all(workflow, before, frame_of)
    if reference is not None:
        _verify_against_full_scan(workflow, reference, frame_of, checkpoint)
    _start_tracking(workflow, checkpoint.after, indexes)
    return checkpoint


def start_tracking(workflow: Any, persisted: Persisted) -> None:
    """From now on ``persisted`` is what the database holds for ``workflow``: track changes against it."""
    _start_tracking(workflow, persisted, _indexes(workflow))


def _start_tracking(workflow: Any, persisted: Persisted, indexes: dict[str, Any] | None) -> None:
    if indexes is None:
        persisted.tracked = None
        return
    for index in indexes.values():
        index.forget_changes()
    persisted.tracked = Tracking(workflow, indexes)


def _indexes(workflow: Any) -> dict[str, Any] | None:
    """Each workflow's task index, or None when one cannot track (no index, or tasks of a foreign class)."""
    tasks = workflow.tasks
    if not isinstance(tasks, TaskIndex) or not tasks.tracks_states:
        return None
    found: dict[str, Any] = {"": tasks}
    for key, subprocess in workflow.subprocesses.items():
        tasks = subprocess.tasks
        if not isinstance(tasks, TaskIndex) or not tasks.tracks_states:
            return None
        found[str(key)] = tasks
    return found


class CheckpointMismatchError(AssertionError):
    """The touched-task checkpoint disagreed with the full comparison: a change was not tracked."""


def _verify_against_full_scan(workflow: Any, before: Persisted, frame_of: Any, found: Checkpoint) -> None:
    full = _capture_all(workflow, before, frame_of)
    if found.upserts != full.upserts or sorted(found.deletes) != sorted(full.deletes):
        raise CheckpointMismatchError(
            "the checkpoint of touched tasks differs from comparing every task: "
            f"upserts {[r.id for r in found.upserts]} != {[r.id for r in full.upserts]}, "
            f"deletes {sorted(found.deletes)} != {sorted(full.deletes)}"
        )


def _capture_all(workflow: Any, before: Persisted, frame_of: Any) -> Checkpoint:
    """Compare every task of the workflow with ``before``; the memory after is a new ``Persisted``."""
    encoder = StepEncoder()
    after = Persisted(next_seq=before.next_seq)
    upserts: list[TaskRow] = []
    upsert_tasks: list[Any] = []
    previous_states: dict[str, int | None] = {}
    previous_rows: dict[str, TaskRow] = {}
    depth_of: dict[UUID, int] = {}
    compared = 0
    for workflow_id, task in iter_tasks(workflow):
        compared += 1
        uid = task.id
        memory = before.by_uuid.get(uid)
        if memory is None:
            memory = before.tasks.get(str(uid))
        if memory is not None and _unchanged(task, memory):
            after.tasks[memory.row.id] = after.by_uuid[uid] = memory
            if memory.internal_has_dict:
                after.dict_internal.add(uid)
            depth_of[uid] = memory.row.depth
            continue
        parent = task._parent
        depth = depth_of.get(parent, -1) + 1 if parent is not None else 0
        depth_of[uid] = depth
        fresh = _remember(task, workflow_id, depth, memory, encoder, after)
        if memory is None or memory.row != fresh.row:
            upserts.append(fresh.row)
            upsert_tasks.append(task)
            previous_states[fresh.row.id] = memory.row.state if memory else None
            if memory is not None:
                previous_rows[fresh.row.id] = memory.row
    deletes = [task_id for task_id in before.tasks if task_id not in after.tasks]
    checkpoint = _finish(workflow, before, after, frame_of, encoder, upserts, deletes, previous_states, previous_rows)
    checkpoint.upsert_tasks = upsert_tasks
    checkpoint.compared = compared
    return checkpoint


def _capture_touched(
    workflow: Any, before: Persisted, frame_of: Any, tracked: Tracking, indexes: dict[str, Any]
) -> Checkpoint:
    """Compare only the tasks the indexes saw touched (and those always compared); ``before`` becomes after."""
    encoder = StepEncoder()
    after = before
    order = {key: rank for rank, key in enumerate(indexes)}
    candidates: list[tuple[int, int, str, Any, UUID]] = []
    seen: set[UUID] = set()
    for key, index in indexes.items():
        if key not in tracked.indexes:
            ids: Any = list(index)  # a subprocess created since: every task of it is new
        else:
            ids = index.touched | index.removed
        for uid in ids:
            seen.add(uid)
            candidates.append((order[key], index.position(uid), key, index, uid))
    for uid in before.dict_internal:
        if uid not in seen:
            key = before.by_uuid[uid].row.workflow_id
            index = indexes.get(key)
            if index is not None:
                seen.add(uid)
                candidates.append((order[key], index.position(uid), key, index, uid))
    candidates.sort(key=lambda c: (c[0], c[1]))
    upserts: list[TaskRow] = []
    upsert_tasks: list[Any] = []
    deletes: list[str] = []
    previous_states: dict[str, int | None] = {}
    previous_rows: dict[str, TaskRow] = {}
    for _, _, workflow_id, index, uid in candidates:
        task = dict.get(index, uid)
        memory = before.by_uuid.get(uid)
        if task is None:
            if memory is not None:
                task_id = memory.row.id
                deletes.append(task_id)
                del after.tasks[task_id]
                del after.by_uuid[uid]
                after.dict_internal.discard(uid)
            continue
        if memory is not None and _unchanged(task, memory):
            continue
        parent = task._parent
        if parent is None:
            depth = 0
        else:
            parent_memory = after.by_uuid.get(parent)
            depth = parent_memory.row.depth + 1 if parent_memory is not None else 0
        fresh = _remember(task, workflow_id, depth, memory, encoder, after)
        if not fresh.internal_has_dict:
            after.dict_internal.discard(uid)
        if memory is None or memory.row != fresh.row:
            upserts.append(fresh.row)
            upsert_tasks.append(task)
            previous_states[fresh.row.id] = memory.row.state if memory else None
            if memory is not None:
                previous_rows[fresh.row.id] = memory.row
    checkpoint = _finish(workflow, before, after, frame_of, encoder, upserts, deletes, previous_states, previous_rows)
    checkpoint.upsert_tasks = upsert_tasks
    checkpoint.compared = len(candidates)
    return checkpoint


def _remember(
    task: Any, workflow_id: str, depth: int, memory: TaskMemory | None, encoder: StepEncoder, after: Persisted
) -> TaskMemory:
    """The task's row and value refs as they are now, filed in ``after``."""
    uid = task.id
    fields = task.__dict__  # not task.data: reading that would mark the task touched again
    data = fields["data"]
    internal = fields["internal_data"]
    changed_state = (
        memory is None or memory.row.state != task.state or (memory.row.last_state_change != task.last_state_change)
    )
    parent = task._parent
    parent_memory = after.by_uuid.get(parent) if parent is not None else None
    # Only a multi-instance body's instances: elsewhere SpiffWorkflow merges data in place (a join's run).
    shares_with_parent = parent_memory is not None and parent_memory.row.kind == "multi"
    data_refs, data_manifest = encoder.manifest(
        data,
        memory.data if memory else {},
        changed_state,
        memory.row.data if memory else None,
        parent_memory.data if parent_memory is not None and shares_with_parent else None,
    )
    internal_refs, internal_manifest = encoder.manifest(
        internal, memory.internal if memory else {}, True, memory.row.internal if memory else None
    )
    spec = task.task_spec
    row = TaskRow(
        id=memory.row.id if memory is not None else str(uid),
        workflow_id=workflow_id,
        parent_id=(parent_memory.row.id if parent_memory is not None else str(parent)) if parent is not None else None,
        spec_name=spec.name,
        element_id=getattr(spec, "bpmn_id", None),
        state=task.state,
        last_state_change=task.last_state_change,
        triggered=bool(task.triggered),
        seq=memory.row.seq if memory is not None else _next_seq(after),
        internal=internal_manifest,
        data=data_manifest,
        depth=depth,
        kind=task_kind(spec),
    )
    fresh = TaskMemory(row, data_refs, internal_refs)
    after.tasks[row.id] = after.by_uuid[uid] = fresh
    if fresh.internal_has_dict:
        after.dict_internal.add(uid)
    return fresh


def _finish(
    workflow: Any,
    before: Persisted,
    after: Persisted,
    frame_of: Any,
    encoder: StepEncoder,
    upserts: list[TaskRow],
    deletes: list[str],
    previous_states: dict[str, int | None],
    previous_rows: dict[str, TaskRow],
) -> Checkpoint:
    frame_before = before.frame
    frame, workflow_data = frame_of(workflow, encoder, before.workflow_data)
    after.frame = frame
    after.workflow_data = workflow_data
    return Checkpoint(
        upserts=upserts,
        deletes=deletes,
        blobs=encoder.blobs,
        frame=frame,
        frame_changed=frame != frame_before,
        previous_states=previous_states,
        previous_rows=previous_rows,
        after=after,
        encoder=encoder,
    )


def _next_seq(persisted: Persisted) -> int:
    seq = persisted.next_seq
    persisted.next_seq += 1
    return seq


def task_kind(spec: Any) -> str:
    """Classify a spec for listings (user tasks, jobs, timers) without the reader knowing SpiffWorkflow."""
    kind: str | None = getattr(spec, "_steadyflow_kind", None)  # a spec's class never changes: classified once
    if kind is None:
        kind = _task_kind(spec)
        spec._steadyflow_kind = kind
    return kind


def _task_kind(spec: Any) -> str:
    from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
    from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
    from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
    from SpiffWorkflow.specs.Join import Join

    from bpmn.specs import JobTask, MultiInstanceActivity

    if getattr(spec, "bpmn_id", None) is None:
        return "internal"
    if isinstance(spec, UserTask):
        return "user"
    if isinstance(spec, JobTask):
        return "job"
    if isinstance(spec, MultiInstanceActivity):
        return "multi"
    if isinstance(spec, SubWorkflowTask):
        return "subprocess"
    if isinstance(spec, CatchingEvent):
        return "event"
    if isinstance(spec, Join) or "Gateway" in type(spec).__name__:
        return "gateway"
    return "activity"


def _unchanged(task: Any, memory: TaskMemory) -> bool:
    """Same state, same state-change time, the very same value objects under the same names.

    A finished task without internal data is compared by its data only; any other task also
    by its internal data, unless that holds a dict (which may have changed in place).
    """
    row = memory.row
    state = task.state
    if row.state != state or row.last_state_change != task.last_state_change:
        return False
    fields = task.__dict__  # not task.data: reading that marks the task touched
    data = fields["data"]
    if tuple(data) != memory.data_keys or tuple(map(id, data.values())) != memory.data_ids:
        return False
    internal = fields["internal_data"]
    if not internal and not memory.internal_keys:
        return True
    return (
        not memory.internal_has_dict
        and tuple(internal) == memory.internal_keys
        and tuple(map(id, internal.values())) == memory.internal_ids
    )


def encode_workflow_data(
    encoder: Any, key: str, data: dict[str, Any], before: dict[str, dict[str, ValueRef]]
) -> tuple[dict[str, str], dict[str, ValueRef]]:
    refs, _ = encoder.manifest(data, before.get(key, {}), False)
    return {k: r.hash for k, r in refs.items()}, refs
