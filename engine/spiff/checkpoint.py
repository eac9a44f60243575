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

from engine.spiff.codec import content_hash, dumps, encode_value
from engine.store.records import TaskRow

FINISHED = TaskState.FINISHED_MASK
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


@dataclass
class Checkpoint:
    """The rows one step must write, and the memory to keep once they are committed."""

    upserts: list[TaskRow]
    deletes: list[str]
    blobs: dict[str, str]
    frame: str
    frame_changed: bool
    previous_states: dict[str, int | None]
    after: Persisted
    encoder: StepEncoder
    """The step's encoder, for the rest of the step's values (its jobs' variables)."""


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
        self, values: dict[str, Any], before: dict[str, ValueRef], force: bool, text_before: str | None = None
    ) -> tuple[dict[str, ValueRef], str]:
        """The refs of ``values`` and their manifest text; ``text_before`` is ``before``'s, reused when the
        refs came out the same (a manifest is a function of its names and hashes)."""
        refs: dict[str, ValueRef] = {}
        same = len(values) == len(before)
        for key, value in values.items():
            old = before.get(key)
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
    """Compare the live workflow with ``before``; ``frame_of(workflow, encoder)`` builds the frame."""
    encoder = StepEncoder()
    after = Persisted(next_seq=before.next_seq)
    upserts: list[TaskRow] = []
    previous_states: dict[str, int | None] = {}
    depth_of: dict[UUID, int] = {}
    for workflow_id, task in iter_tasks(workflow):
        uid = task.id
        memory = before.by_uuid.get(uid)
        if memory is None:
            memory = before.tasks.get(str(uid))
        if memory is not None and _unchanged(task, memory):
            after.tasks[memory.row.id] = after.by_uuid[uid] = memory
            depth_of[uid] = memory.row.depth
            continue
        task_id = str(uid)
        parent = task._parent
        depth = depth_of.get(parent, -1) + 1 if parent is not None else 0
        depth_of[uid] = depth
        changed_state = (
            memory is None or memory.row.state != task.state or (memory.row.last_state_change != task.last_state_change)
        )
        data_refs, data_manifest = encoder.manifest(
            task.data, memory.data if memory else {}, changed_state, memory.row.data if memory else None
        )
        internal_refs, internal_manifest = encoder.manifest(
            task.internal_data, memory.internal if memory else {}, True, memory.row.internal if memory else None
        )
        spec = task.task_spec
        row = TaskRow(
            id=task_id,
            workflow_id=workflow_id,
            parent_id=str(parent) if parent is not None else None,
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
        after.tasks[task_id] = after.by_uuid[uid] = TaskMemory(row, data_refs, internal_refs)
        if memory is None or memory.row != row:
            upserts.append(row)
            previous_states[task_id] = memory.row.state if memory else None
    deletes = [task_id for task_id in before.tasks if task_id not in after.tasks]
    frame, workflow_data = frame_of(workflow, encoder, before.workflow_data)
    after.frame = frame
    after.workflow_data = workflow_data
    return Checkpoint(
        upserts=upserts,
        deletes=deletes,
        blobs=encoder.blobs,
        frame=frame,
        frame_changed=frame != before.frame,
        previous_states=previous_states,
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
    data = task.data
    if tuple(data) != memory.data_keys or tuple(map(id, data.values())) != memory.data_ids:
        return False
    internal = task.internal_data
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
