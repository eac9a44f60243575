"""Call activities find the process they call when they run, as Camunda resolves a called element.

``CalledProcesses`` is the engine's ``script_engine.called_processes`` (see ``bpmn.call_activity``):
given a call's evaluated binding it finds the definition (``latest``, ``version``, ``versionTag``,
or ``deployment``: the one deployed with the definition that holds the call activity) through the
step's own reads, and hands back that definition's specs as a child: the process spec under the
definition id, its own subprocesses under ``<definition id>/<spec name>``. The key becomes the
subprocess's spec key in the instance's frame, so everything that rebuilds the instance later
(a restart, time travel, migration) finds the same child version, whatever was deployed since.
A missing process is a ``CalledProcessNotFoundError``: an incident on the call activity, which a
retry resolves again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from bpmn.call_activity import CalledSpecs
from bpmn.dialects.call_binding import CallRequest
from engine.spiff.children import owner_definition
from engine.step_reads import StepReads, StoreReads
from engine.store.records import DefinitionRecord
from steadyflow.errors import CalledProcessNotFoundError

if TYPE_CHECKING:
    from engine.definitions import DefinitionRegistry

_step_reads: ContextVar[StepReads | None] = ContextVar("steadyflow_call_reads", default=None)


@contextmanager
def calls_in_step(reads: StepReads) -> Iterator[None]:
    """Calls resolved while this is open read through the step's ``reads`` (its own transaction)."""
    token = _step_reads.set(reads)
    try:
        yield
    finally:
        _step_reads.reset(token)


class CalledProcesses:
    """Resolves a call activity's binding to a deployed definition and its specs (the module docstring)."""

    def __init__(self, registry: DefinitionRegistry) -> None:
        self.registry = registry

    def __call__(self, task: Any, request: CallRequest) -> CalledSpecs:
        reads = _step_reads.get()
        if reads is not None:
            return self._resolve(task, request, reads)
        # Outside a step (a workflow driven by hand): a read transaction of its own.
        store = self.registry.store
        with store.db.read() as conn:
            return self._resolve(task, request, StoreReads(store, conn))

    def _resolve(self, task: Any, request: CallRequest, reads: StepReads) -> CalledSpecs:
        element_id = str(task.task_spec.bpmn_id)
        record = self._find(task, request, reads)
        if record is None:
            raise CalledProcessNotFoundError(
                _missing(request, element_id),
                element_id=element_id,
                task_id=str(task.id),
                process_id=request.process_id,
                binding=request.binding,
            )
        return CalledSpecs(record.id, self.registry.child_specs(record, _xml_of(reads, record)))

    def _find(self, task: Any, request: CallRequest, reads: StepReads) -> DefinitionRecord | None:
        if request.binding == "version":
            return reads.process_definition(request.process_id, version=request.version)
        if request.binding == "versionTag":
            return reads.process_definition(request.process_id, version_tag=request.version_tag)
        if request.binding == "deployment":
            owner_id = owner_definition(task)
            owner = reads.process_definition_by_id(owner_id) if owner_id else None
            sibling = owner.deployed_with().get(request.process_id) if owner is not None else None
            return reads.process_definition_by_id(sibling) if sibling else None
        return reads.process_definition(request.process_id)


def _xml_of(reads: StepReads, record: DefinitionRecord) -> Callable[[], tuple[str, str]]:
    return lambda: reads.deployment_xml(record.deployment_id)


def _missing(request: CallRequest, element_id: str) -> str:
    """What the incident says: the process, the binding, and what to do."""
    if request.binding == "deployment":
        return (
            f"call activity '{element_id}' calls {request.describe()}, which was not deployed together with "
            f"its caller; deploy the caller and '{request.process_id}' in one deployment, then retry the incident"
        )
    what = {
        "version": f"version {request.version} of process '{request.process_id}'",
        "versionTag": f"no version of process '{request.process_id}' with version tag '{request.version_tag}'",
    }.get(request.binding, f"process '{request.process_id}'")
    verb = "is deployed" if request.binding == "versionTag" else "is not deployed"
    return (
        f"call activity '{element_id}' calls {request.describe()}, but {what} {verb}; "
        "deploy it, then retry the incident"
    )
