"""Task specs that steadyflow adds to SpiffWorkflow's BPMN kernel."""

from bpmn.specs.decision_task import DecisionTask
from bpmn.specs.inclusive_gateway import IndexedInclusiveGateway
from bpmn.specs.job_task import JobTask
from bpmn.specs.multi_instance import MultiInstanceActivity
from bpmn.specs.parallel_gateway import IndexedParallelGateway
from bpmn.specs.pass_through import PassThroughTask
from bpmn.specs.script_task import ExpressionScriptTask, PythonScriptTask

__all__ = [
    "DecisionTask",
    "ExpressionScriptTask",
    "IndexedInclusiveGateway",
    "IndexedParallelGateway",
    "JobTask",
    "MultiInstanceActivity",
    "PassThroughTask",
    "PythonScriptTask",
]
