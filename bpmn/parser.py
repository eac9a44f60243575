"""BPMN XML -> executable SpiffWorkflow specs, for Camunda 7, Camunda 8 and plain BPMN.

`parse_model` is the entry point. It reports every problem in a file at once:
our own whole-file checks first, then SpiffWorkflow's spec building, whose
first failure per process is turned into a located problem.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser
from SpiffWorkflow.bpmn.parser.ProcessParser import ProcessParser
from SpiffWorkflow.bpmn.parser.task_parsers import (
    CallActivityParser,
    ConditionalGatewayParser,
    GatewayParser,
    SubprocessParser,
    SubWorkflowParser,
)
from SpiffWorkflow.bpmn.parser.TaskParser import TaskParser
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.specs.defaults import (
    EventBasedGateway,
    ExclusiveGateway,
)
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask as SubWorkflowTaskMixin

from bpmn import events
from bpmn.call_activity import MappedCallActivity, read_call_mapping
from bpmn.checks import check_document
from bpmn.conditional_starts import wire_conditional_subprocesses
from bpmn.data_artifacts import drop_data_artifacts
from bpmn.dialects import read_job, read_loop
from bpmn.dialects.call_binding import called_process_text, read_call_binding
from bpmn.dialects.camunda7 import camunda_attr
from bpmn.dialects.decisions import read_decision_call
from bpmn.dialects.templates import canonical_expression, template_problems
from bpmn.dialects.xml_helpers import first_child
from bpmn.dialects.zeebe import ZEEBE_NS
from bpmn.flow_checks import check_flow_references
from bpmn.gateway_flows import unconditioned_exclusive_flows
from bpmn.io_mappings import read_element_io
from bpmn.link_events import resolve_link_events
from bpmn.options import DEFAULT_OPTIONS, ParseOptions
from bpmn.recursion import recursion_room
from bpmn.specs import (
    DecisionTask,
    ExpressionScriptTask,
    IndexedInclusiveGateway,
    IndexedParallelGateway,
    JobTask,
    MultiInstanceActivity,
    PassThroughTask,
    PythonScriptTask,
)
from bpmn.specs.io_scope import (
    IoScoped,
    MappedBoundaryEvent,
    MappedCatchEvent,
    MappedEndEvent,
    MappedReceiveTask,
    MappedStartEvent,
    MappedSubProcess,
    MappedThrowEvent,
    MappedUserTask,
)
from bpmn.xml_loader import load_bpmn_xml
from steadyflow.errors import ModelValidationError, Problem

PARSER_VERSION = 5
"""Bumped whenever the specs built from the same XML change shape."""

CAMUNDA_REWRITES = (drop_data_artifacts, unconditioned_exclusive_flows, resolve_link_events)
"""Changes to the tree SpiffWorkflow parses (never to the stored XML) so that it runs a model as Camunda does;
each returns its warnings, or its errors when the model cannot run that way."""


class _CamundaTaskParser(TaskParser):
    """Shared behaviour of every activity parser: Camunda multi-instance, located problems."""

    @property
    def problems(self) -> list[Problem]:
        return self.process_parser.parser.problems  # type: ignore[no-any-return]

    def _add_multiinstance_task(self, loop_characteristics: Any) -> None:
        loop = read_loop(loop_characteristics, self.problems, self.filename)
        if not loop.sequential and loop.output_collection is None:
            self._problem(
                "parallel multi-instance without an output collection: results of the instances overwrite "
                "each other in the process variables (last one wins)",
                "collect them with an output collection and output element (zeebe:loopCharacteristics "
                "outputCollection/outputElement, or an output mapping per instance)",
                severity="warning",
            )
        for template in (loop.input_collection, loop.cardinality, loop.output_element):
            for message in template_problems(template or {}):
                self._problem(f"multi-instance: {message}", "fix the expression's syntax")
        current: Any = getattr(self, "task")  # noqa: B009 - set by SpiffWorkflow's untyped parse_node
        original = self.spec.task_specs.pop(current.name)
        self.task = MultiInstanceActivity(
            self.spec,
            original.name,
            loop=loop,
            description="Multi-instance",
            lane=original.lane,
        )
        self._copy_task_attrs(original)
        original.completed_event.connect(self.task.merge_child)

    def handles_multiple_outgoing(self) -> bool:
        # Several unconditional flows out of an activity fork in parallel, as in Camunda;
        # conditional ones are refused by bpmn.checks with a hint to add a gateway.
        return True

    def _problem(self, message: str, hint: str | None = None, severity: str = "error") -> None:
        self.problems.append(
            Problem(
                message,
                element_id=self.bpmn_id,
                line=self.node.sourceline,
                file=self.filename,
                hint=hint,
                severity=severity,
            )
        )


def job_task_for(parser: Any) -> JobTask:
    """The job task any service-like element (task or throw event) becomes."""
    problems: list[Problem] = parser.process_parser.parser.problems
    job = read_job(parser.node, problems, parser.filename)
    located = {"element_id": parser.bpmn_id, "line": parser.node.sourceline, "file": parser.filename}
    for mapping in (*job.inputs, *job.outputs):
        for message in template_problems(mapping.source):
            problems.append(
                Problem(f"mapping of '{mapping.target}': {message}", hint="fix the expression's syntax", **located)
            )
    for message in template_problems(job.type):
        problems.append(Problem(f"job type: {message}", hint="fix the expression's syntax", **located))
    return JobTask(parser.spec, parser.bpmn_id, job=job, **parser.bpmn_attributes)


class JobTaskParser(_CamundaTaskParser):
    def create_task(self) -> Any:
        return job_task_for(self)


class BusinessRuleTaskParser(_CamundaTaskParser):
    """A called DMN decision is evaluated in the step; any other business rule task is a job."""

    def create_task(self) -> Any:
        call = read_decision_call(self.node, self.problems, self.filename)
        if call is None:
            return job_task_for(self)
        return DecisionTask(self.spec, self.bpmn_id, call=call, **self.bpmn_attributes)


class PassThroughParser(_CamundaTaskParser):
    def create_task(self) -> Any:
        return PassThroughTask(self.spec, self.bpmn_id, **self.bpmn_attributes)


class UserTaskParser(_CamundaTaskParser):
    pass


class ScriptTaskParser(_CamundaTaskParser):
    """FEEL/JUEL expression scripts run in-engine; a zeebe:taskDefinition makes it a job."""

    def create_task(self) -> Any:
        ext = first_child(self.node, ("http://www.omg.org/spec/BPMN/20100524/MODEL",), "extensionElements")
        if ext is not None and first_child(ext, ZEEBE_NS, "taskDefinition") is not None:
            return job_task_for(self)
        script = first_child(ext, ZEEBE_NS, "script") if ext is not None else None
        if script is not None:
            expression = canonical_expression(script.get("expression", ""))
            result = script.get("resultVariable")
        else:
            body = first_child(self.node, ("http://www.omg.org/spec/BPMN/20100524/MODEL",), "script")
            text = (body.text or "") if body is not None else ""
            fmt = (self.node.get("scriptFormat") or "").lower()
            expression = canonical_expression(text) if fmt == "feel" else text.strip()
            result = None
            for ns in ("http://camunda.org/schema/1.0/bpmn", "http://operaton.org/schema/1.0/bpmn"):
                result = result or self.node.get(f"{{{ns}}}resultVariable")
            if fmt in ("python", "python3", "py"):
                return PythonScriptTask(self.spec, self.bpmn_id, script=text, **self.bpmn_attributes)
        return ExpressionScriptTask(
            self.spec, self.bpmn_id, expression=expression, result_variable=result, **self.bpmn_attributes
        )


class GatewayConditionParser(ConditionalGatewayParser):
    """Conditions become canonical expressions: bare text is read as FEEL, never Python."""

    def parse_condition(self, sequence_flow: Any) -> str | None:
        text = super().parse_condition(sequence_flow)
        return canonical_expression(text) if text and text.strip() else None


class SubProcessParser(_CamundaTaskParser, SubWorkflowParser):
    def create_task(self) -> Any:
        # SpiffWorkflow looks for a bpmn-namespaced triggeredByEvent, which Modeler never writes;
        # without this, event subprocesses would start with the process.
        if self.node.get("triggeredByEvent") == "true":
            subworkflow_spec = SubprocessParser.get_subprocess_spec(self)
            return self.EVENT_SUBPROCESS_CLASS(
                self.spec, self.bpmn_id, subworkflow_spec=subworkflow_spec, **self.bpmn_attributes
            )
        return super().create_task()


class CallParser(_CamundaTaskParser, CallActivityParser):
    """A call activity names its process and binding here; the engine resolves them when it runs."""

    def create_task(self) -> Any:
        binding = read_call_binding(self.node, self.problems, self.filename)
        called = called_process_text(self.node)
        if called and not self.node.get("calledElement"):
            self.node.set("calledElement", called)  # where SpiffWorkflow looks for it
        subworkflow_spec = SubprocessParser.get_call_activity_spec(self)
        return MappedCallActivity(
            self.spec,
            self.bpmn_id,
            subworkflow_spec,
            mapping=read_call_mapping(self.node),
            binding=binding,
            **self.bpmn_attributes,
        )


class ScopeParser(ProcessParser):
    """A process or subprocess: its conditional event subprocesses are wired to be started later."""

    def add_tasks(self) -> None:
        super().add_tasks()
        self._attach_io_mappings()
        wire_conditional_subprocesses(self.spec, lambda name: self.parser.process_parsers[name].get_spec())

    def _attach_io_mappings(self) -> None:
        """Give each element that maps in its own scope its mappings (job tasks and calls carry theirs)."""
        nodes: dict[str, etree._Element] | None = (
            None  # by id, the first in document order; one walk, not one per element
        )
        for task_spec in self.spec.task_specs.values():
            bpmn_id = getattr(task_spec, "bpmn_id", None)
            if not isinstance(task_spec, (IoScoped, MappedSubProcess)) or not bpmn_id:
                continue
            if nodes is None:
                nodes = {}
                for node in self.node.iterdescendants(etree.Element):  # elements only: no comments
                    node_id = node.get("id")
                    if node_id is not None:
                        nodes.setdefault(node_id, node)
            found = nodes.get(bpmn_id)
            if found is not None:
                task_spec.io = read_element_io(found, self.parser.problems, self.filename)


class SteadyflowBpmnParser(BpmnParser):
    PROCESS_PARSER_CLASS = ScopeParser
    OVERRIDE_PARSER_CLASSES = {
        full_tag("serviceTask"): (JobTaskParser, JobTask),
        full_tag("sendTask"): (JobTaskParser, JobTask),
        full_tag("businessRuleTask"): (BusinessRuleTaskParser, JobTask),
        full_tag("scriptTask"): (ScriptTaskParser, ExpressionScriptTask),
        full_tag("task"): (PassThroughParser, PassThroughTask),
        full_tag("manualTask"): (PassThroughParser, PassThroughTask),
        full_tag("userTask"): (UserTaskParser, MappedUserTask),
        full_tag("exclusiveGateway"): (GatewayConditionParser, ExclusiveGateway),
        full_tag("inclusiveGateway"): (GatewayConditionParser, IndexedInclusiveGateway),
        full_tag("parallelGateway"): (GatewayParser, IndexedParallelGateway),
        full_tag("subProcess"): (SubProcessParser, MappedSubProcess),
        full_tag("callActivity"): (CallParser, MappedCallActivity),
        full_tag("startEvent"): (events.StartEvents, MappedStartEvent),
        full_tag("intermediateCatchEvent"): (events.IntermediateCatchEvents, MappedCatchEvent),
        full_tag("boundaryEvent"): (events.BoundaryEvents, MappedBoundaryEvent),
        full_tag("receiveTask"): (events.ReceiveTasks, MappedReceiveTask),
        full_tag("eventBasedGateway"): (events.EventBasedGateways, EventBasedGateway),
        full_tag("intermediateThrowEvent"): (events.IntermediateThrowEvents, MappedThrowEvent),
        full_tag("endEvent"): (events.EndEvents, MappedEndEvent),
    }

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[Problem] = []

    def get_document_positions(self, root: Any) -> dict[str, Any]:
        """No diagram positions: SpiffWorkflow orders a gateway's outgoing flows by where their targets are
        drawn (top first), Camunda by the order the flows are defined. Without positions its (stable) sort
        keeps that order, so an exclusive gateway takes the first defined flow whose condition holds."""
        return {}


@dataclass
class ProcessModel:
    """One executable process of a file, ready to instantiate."""

    process_id: str
    name: str | None
    spec: Any
    subprocess_specs: dict[str, Any]
    """The process's own subprocesses (embedded, event, transaction) by spec name; called processes are
    resolved when their call activity runs, except those of a ``library`` (definitions bound at deploy
    time by an older steadyflow)."""
    version_tag: str | None = None
    """``camunda:versionTag`` or ``zeebe:versionTag``: what a ``versionTag`` binding of a caller looks for."""


@dataclass
class ParsedModel:
    """What a BPMN file yields: its executable processes, and warnings that did not refuse it."""

    filename: str
    processes: dict[str, ProcessModel]
    warnings: list[Problem] = field(default_factory=list)


def _spiff_problem(exc: Exception, file: str, root: etree._Element) -> Problem:
    element_id = getattr(exc, "id", None) or None
    line = getattr(exc, "line_number", None) or None
    if element_id and not line:
        found = root.xpath("//*[@id=$id]", id=element_id)
        line = found[0].sourceline if found else None
    message = str(exc).split("\n")[0] or type(exc).__name__
    hint = "check this element in Camunda Modeler"
    for known, (plain, advice) in _SPIFF_MESSAGES.items():
        if known in message:
            message, hint = plain, advice
            break
    return Problem(message, element_id=element_id, line=line if isinstance(line, int) else None, file=file, hint=hint)


_SPIFF_MESSAGES = {
    "Exactly one start event is required in a SubWorkflow": (
        "this subprocess does not have exactly one start event",
        "give the subprocess one plain start event (Camunda requires it too)",
    ),
    'No "calledElement" attribute': (
        "this call activity does not say which process it calls",
        "set 'Called element' (Camunda 7) or the called process id (Camunda 8) in Modeler's properties panel",
    ),
    "Unsupported Catch Event": (
        "this kind of catching event is not supported here",
        "use a message, timer, signal, error or escalation event instead",
    ),
    "Unknown Time Specification": (
        "this timer's value is not an ISO 8601 date, duration or cycle",
        "enter a value such as 2026-12-01T09:00:00Z, PT10M or R3/PT10S",
    ),
    "Non-default exclusive outgoing sequence flow without condition": (
        "an outgoing flow of this gateway has no condition and is not its default flow",
        "give the flow a condition or mark it as the default flow",
    ),
}
"""SpiffWorkflow's refusals that models meet most, said the way the rest of our problems are."""


def parse_model(
    data: bytes,
    filename: str | None = None,
    options: ParseOptions = DEFAULT_OPTIONS,
    library: Sequence[tuple[str, bytes]] = (),
) -> ParsedModel:
    """Parse one BPMN file; raise ModelValidationError listing every problem.

    Call activities are resolved when they run, so no other file is needed. ``library`` holds
    (file name, XML) of the files a definition deployed by an older steadyflow was bound to: their
    processes join the model's subprocess specs, so the children those instances started restore.
    """
    name = filename or "model.bpmn"
    root = load_bpmn_xml(data, name)
    extra_roots = [(extra_name, load_bpmn_xml(extra, extra_name)) for extra_name, extra in library]
    problems = check_document(root, name, options)
    broken_flows = check_flow_references(root, name)
    problems.extend(broken_flows)
    for rewrite in CAMUNDA_REWRITES:
        problems.extend(rewrite(root, name))
        for _, extra_root in extra_roots:
            rewrite(extra_root, None)
    parser = SteadyflowBpmnParser()
    processes: dict[str, ProcessModel] = {}
    spiff_problems: list[Problem] = []
    elements = sum(1 for _ in root.iter()) + sum(1 for _, extra in extra_roots for _ in extra.iter())
    with recursion_room(elements):  # SpiffWorkflow's parser recurses along sequence flows
        try:
            parser.add_bpmn_xml(root, name)
            for extra_name, extra_root in extra_roots:
                parser.add_bpmn_xml(extra_root, extra_name)
        except Exception as exc:  # noqa: BLE001 - SpiffWorkflow raises plain exceptions too
            spiff_problems.append(_spiff_problem(exc, name, root))
        else:
            own = process_ids(root)
            executable = [pid for pid in parser.get_process_ids() if pid in own]
            if not executable and not any(p.severity == "error" for p in problems):
                first = next(iter(root.iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}process")), None)
                problems.append(
                    Problem(
                        "the file has no executable process",
                        element_id=first.get("id") if first is not None else None,
                        line=first.sourceline if first is not None else 1,
                        file=name,
                        hint="tick 'Executable' on the process in Camunda Modeler (isExecutable=\"true\")",
                    )
                )
            for process_id in executable:
                try:
                    spec = parser.get_spec(process_id)
                    subprocess_specs = _own_subprocess_specs(parser, spec, called_too=bool(library))
                except Exception as exc:  # noqa: BLE001 - as above: every failure becomes a located problem
                    spiff_problems.append(_spiff_problem(exc, name, root))
                    continue
                processes[process_id] = ProcessModel(
                    process_id,
                    parser.get_process_parser(process_id).get_name(),
                    spec,
                    subprocess_specs,
                    version_tag=_version_tag(root, process_id),
                )
    problems.extend(parser.problems)
    ours = {p.element_id for p in problems if p.severity == "error" and p.element_id}
    if not broken_flows:  # with a flow to nowhere, SpiffWorkflow's complaints are about that flow, in its words
        problems.extend(p for p in spiff_problems if p.element_id not in ours)  # never a vaguer repeat of ours
    if any(p.element_id for p in problems if p.severity == "error"):
        # SpiffWorkflow stops at the first problem and often cannot say where; ours are located.
        problems = [p for p in problems if p.element_id or p.line or p.severity != "error"]
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ModelValidationError(_unique(problems), file=name)
    return ParsedModel(name, processes, warnings=_unique([p for p in problems if p.severity == "warning"]))


def process_ids(root: Any) -> set[str]:
    return {str(p.get("id")) for p in root.iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}process")}


def _own_subprocess_specs(parser: Any, spec: Any, *, called_too: bool) -> dict[str, Any]:
    """The specs of the subprocesses inside ``spec``, nested ones too; with ``called_too``, also the
    processes its call activities call that the parser knows (an older definition's deploy-time binding)."""
    found: dict[str, Any] = {}
    pending = [spec]
    while pending:
        current = pending.pop()
        for task_spec in current.task_specs.values():
            if not isinstance(task_spec, SubWorkflowTaskMixin) or task_spec.spec in found:
                continue
            if isinstance(task_spec, MappedCallActivity) and not called_too:
                continue
            sub = parser.get_spec(task_spec.spec, required=not isinstance(task_spec, MappedCallActivity))
            if sub is not None:
                found[task_spec.spec] = sub
                pending.append(sub)
    return found


def _version_tag(root: Any, process_id: str) -> str | None:
    """The process's version tag: ``camunda:versionTag`` (Camunda 7) or ``zeebe:versionTag value`` (Camunda 8)."""
    for process in root.iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}process"):
        if process.get("id") != process_id:
            continue
        tag = camunda_attr(process, "versionTag")
        ext = first_child(process, ("http://www.omg.org/spec/BPMN/20100524/MODEL",), "extensionElements")
        zeebe = first_child(ext, ZEEBE_NS, "versionTag") if ext is not None else None
        if not tag and zeebe is not None:
            tag = zeebe.get("value")
        return tag.strip() or None if tag else None
    return None


def _unique(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[Any, ...]] = set()
    result = []
    for p in problems:
        key = (p.message, p.element_id, p.line, p.severity)
        if key not in seen:
            seen.add(key)
            result.append(p)
    return result


__all__ = ["PARSER_VERSION", "ParsedModel", "ProcessModel", "parse_model"]
