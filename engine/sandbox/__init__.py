"""Python script tasks, run safely: opt-in, checked before they run, and run in a throwaway process.

Layers, each assuming the one before it can fail:

1. :mod:`~engine.sandbox.policy` compiles with RestrictedPython and refuses
   imports, classes, names starting with "_" (so no dunder walks such as
   ``().__class__.__bases__``), and builtins that run code or inspect
   namespaces (eval, exec, open, getattr, type, globals, ...).
2. :mod:`~engine.sandbox.namespace` gives the script an allow-list of pure
   builtins and routes every attribute, item and iteration through guards;
   ``_getattr_`` refuses "_" names at run time too.
3. :mod:`~engine.sandbox.child` runs in a separate process with an empty
   environment, as nobody when started as root, with RLIMIT_AS (memory),
   RLIMIT_CPU, RLIMIT_NOFILE=3 (no new files or sockets), RLIMIT_NPROC=0,
   RLIMIT_FSIZE=0 and RLIMIT_CORE=0.
4. :mod:`~engine.sandbox.runner` holds the wall clock and kills the process
   group at the deadline; a crash or a kill becomes a ScriptError.

Variables go in, and changed variables come out, as JSON only
(:mod:`~engine.sandbox.values`).
"""

from __future__ import annotations

from engine.sandbox.errors import ScriptError, ScriptErrorKind
from engine.sandbox.policy import check_python_script
from engine.sandbox.runner import run_python_script

__all__ = ["ScriptError", "ScriptErrorKind", "check_python_script", "run_python_script"]
