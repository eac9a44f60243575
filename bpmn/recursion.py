"""Room for SpiffWorkflow's recursive walks on long models.

SpiffWorkflow parses a process by recursing along its sequence flows and walks
the task tree recursively (parents, descendants), so a chain of a few hundred
tasks exceeds Python's default recursion limit of 1,000. Rewriting those walks
would mean forking the kernel; instead the limit is raised, for the duration of
a parse or a step only, in proportion to the model's size. Python 3.11 runs
Python-to-Python calls without growing the C stack, so the deeper limit costs
memory for frames, not a crash.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

FRAMES_PER_ELEMENT = 8
"""Frames one element of a chain costs SpiffWorkflow's deepest walk (the parser's), with margin."""
CEILING = 400_000

_lock = threading.Lock()
_holders = 0
_saved = sys.getrecursionlimit()


@contextmanager
def recursion_room(elements: int) -> Iterator[None]:
    """Allow recursion proportional to ``elements`` (never lower the limit) while the block runs."""
    global _holders, _saved
    wanted = min(CEILING, 1000 + FRAMES_PER_ELEMENT * max(0, elements))
    with _lock:
        if _holders == 0:
            _saved = sys.getrecursionlimit()
        _holders += 1
        if wanted > sys.getrecursionlimit():
            sys.setrecursionlimit(wanted)
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0:
                sys.setrecursionlimit(_saved)


def spec_elements(spec: Any, subprocess_specs: Mapping[str, Any]) -> int:
    """How many task specs a workflow of ``spec`` can walk: its own and every subprocess's (embedded ones too)."""
    return len(spec.task_specs) + sum(len(sub.task_specs) for sub in subprocess_specs.values())


def workflow_elements(workflow: Any) -> int:
    """The task specs and tasks of ``workflow`` and of every subworkflow it has started."""
    tasks = len(workflow.tasks) + sum(len(sub.tasks) for sub in workflow.subprocesses.values())
    return tasks + spec_elements(workflow.spec, workflow.subprocess_specs)


def _lift_task_iterator_depth_cap() -> None:
    """Let SpiffWorkflow's task iterators see the whole tree, however deep.

    Its iterators stop descending at depth 1,000 by default, so in a chain of more
    than about a thousand tasks the engine finds no READY task below that depth and
    ``is_completed`` reports an unfinished instance as complete. The cap is a default
    argument; it is lifted once, here, for every iterator (checked against the
    defaults of the SpiffWorkflow version this was written for).
    """
    from SpiffWorkflow.bpmn.util.task import BpmnTaskIterator
    from SpiffWorkflow.util.task import TaskIterator

    for iterator in (TaskIterator, BpmnTaskIterator):
        init: Any = iterator.__init__
        defaults = init.__defaults__
        if defaults is None or len(defaults) < 2 or defaults[1] != 1000:
            if defaults is not None and len(defaults) >= 2 and defaults[1] == sys.maxsize:
                continue
            raise RuntimeError(f"SpiffWorkflow's {iterator.__name__} changed its arguments: review bpmn/recursion.py")
        init.__defaults__ = (defaults[0], sys.maxsize, *defaults[2:])


_lift_task_iterator_depth_cap()
