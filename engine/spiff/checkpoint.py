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
    row: TaskRow
    data: dict[str, ValueRef]
    internal: dict[str, ValueRef]


@dataclass
class Persisted:
    """What the database holds for one instance, as this process last wrote or read it."""

    tasks: dict[str, TaskMemory] = field(default_factory=dict)
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
        self, values: dict[str, Any], before: dict[str, ValueRef], force: bool
    ) -> tuple[dict[str, ValueRef], str]:
        refs: dict[str, ValueRef] = {}
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
            refs[key] = ValueRef(value, digest)
        return refs, dumps({k: r.hash for k, r in refs.items()})


def capture(workflow: Any, before: Persisted, frame_of: Any) -> Checkpoint:
    """Compare the live workflow with ``before``; ``frame_of(workflow, encoder)`` builds the frame."""
    encoder = StepEncoder()
    after = Persisted(next_seq=before.next_seq)
    upserts: list[TaskRow] = []
    previous_states: dict[str, int | None] = {}
    depth_of: dict[str, int] = {}
    for workflow_id, task in iter_tasks(workflow):
        task_id = str(task.id)
        parent_id = str(task._parent) if task._parent is not None else None
        depth = depth_of.get(parent_id, -1) + 1 if parent_id else 0
        depth_of[task_id] = depth
        memory = before.tasks.get(task_id)
        if memory is not None and _unchanged(task, memory):
            after.tasks[task_id] = memory
            continue
        changed_state = (
            memory is None or memory.row.state != task.state or (memory.row.last_state_change != task.last_state_change)
        )
        data_refs, data_manifest = encoder.manifest(task.data, memory.data if memory else {}, changed_state)
        internal_refs, internal_manifest = encoder.manifest(task.internal_data, memory.internal if memory else {}, True)
        row = TaskRow(
            id=task_id,
            workflow_id=workflow_id,
            parent_id=parent_id,
            spec_name=task.task_spec.name,
            element_id=getattr(task.task_spec, "bpmn_id", None),
            state=task.state,
            last_state_change=task.last_state_change,
            triggered=bool(task.triggered),
            seq=memory.row.seq if memory is not None else _next_seq(after),
            internal=internal_manifest,
            data=data_manifest,
            depth=depth,
            kind=task_kind(task.task_spec),
        )
        after.tasks[task_id] = TaskMemory(row, data_refs, internal_refs)
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
    row = memory.row
    if row.state != task.state or row.last_state_change != task.last_state_change:
        return False
    if task.state & FINISHED and not task.internal_data and len(task.data) == len(memory.data):
        return _same_identities(task.data, memory.data)
    return (
        _same_identities(task.data, memory.data)
        and _same_identities(task.internal_data, memory.internal)
        and not any(isinstance(v, dict) for v in task.internal_data.values())
    )


def _same_identities(values: dict[str, Any], refs: dict[str, ValueRef]) -> bool:
    if len(values) != len(refs):
        return False
    for key, value in values.items():
        ref = refs.get(key)
        if ref is None or ref.value is not value:
            return False
    return True


def encode_workflow_data(
    encoder: Any, key: str, data: dict[str, Any], before: dict[str, dict[str, ValueRef]]
) -> tuple[dict[str, str], dict[str, ValueRef]]:
    refs, _ = encoder.manifest(data, before.get(key, {}), False)
    return {k: r.hash for k, r in refs.items()}, refs
