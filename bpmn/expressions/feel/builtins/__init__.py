"""All FEEL built-in functions, registered in :data:`BUILTINS` on import.

Importing this package is what fills the registry; the parser imports it to
learn the multi-word function names and the evaluator to call them.
"""

from __future__ import annotations

from bpmn.expressions.feel.builtins import conversion, lists, numeric, ranges, strings, temporal_fns
from bpmn.expressions.feel.functions import BUILTINS

__all__ = ["BUILTINS", "conversion", "lists", "numeric", "ranges", "strings", "temporal_fns"]
