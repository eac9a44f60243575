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
from collections.abc import Iterator
from contextlib import contextmanager

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
