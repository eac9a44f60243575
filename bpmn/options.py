"""Operator choices that change what a model may contain."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ParseOptions:
    python_script_checker: Callable[[str], list[str]] | None = None
    """Set when the operator allowed Python script tasks: returns the script's problems
    ("line N: ...") so they are refused at deploy time. None refuses every Python script."""


DEFAULT_OPTIONS = ParseOptions()
