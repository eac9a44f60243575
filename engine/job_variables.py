"""A job's variables as its handler sees them: decoded from their blobs when first read.

A job keeps its variables as blob hashes. The instances of a wide multi-instance
activity each see the activity's whole collection, so decoding every variable of
every claimed job would cost the collection's size per job; a handler that reads
two names decodes two values, and one that reads none (or a client that asked for
some names only) decodes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from engine.spiff.codec import decode_value


class JobVariables(Mapping[str, Any]):
    """Name -> value, decoded from the blob texts on first access (and kept: a value is decoded once)."""

    __slots__ = ("_texts", "_values")

    def __init__(self, texts: Mapping[str, str]) -> None:
        self._texts = texts
        self._values: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        values = self._values
        if name in values:
            return values[name]
        value = values[name] = decode_value(self._texts[name])
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)

    def __contains__(self, name: object) -> bool:
        return name in self._texts

    def __repr__(self) -> str:
        return f"JobVariables({dict(self)!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return dict(self.items()) == dict(other.items())
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]
