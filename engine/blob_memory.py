"""What this process knows of the content-addressed blobs: which are committed, and the small ones' text.

A blob's hash names its content for good, so remembering is always safe: a known
hash skips a redundant INSERT, a remembered text skips a SELECT (a claimed job's
variables, an instance reloaded from its rows). Forgetting only costs those again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

KNOWN_LIMIT = 200_000
"""Hashes remembered as committed; all are forgotten when there are more."""
TEXT_BUDGET = 32 * 1024 * 1024
"""Characters of blob text kept; all are forgotten when they would exceed it."""
TEXT_MAX = 64 * 1024
"""Blobs longer than this are never kept: they are rare, and would crowd the small ones out."""


class BlobMemory:
    def __init__(self) -> None:
        self._known: set[str] = set()
        self._texts: dict[str, str] = {}
        self._chars = 0

    def __contains__(self, digest: str) -> bool:
        return digest in self._known

    def committed(self, blobs: Mapping[str, str]) -> None:
        """These blobs are in the database now."""
        if len(self._known) + len(blobs) > KNOWN_LIMIT:
            self._known.clear()
        self._known.update(blobs)
        self.read(blobs)

    def read(self, blobs: Mapping[str, str]) -> None:
        """These blobs were read from the database (so they are committed too)."""
        for digest, text in blobs.items():
            if len(text) > TEXT_MAX or digest in self._texts:
                continue
            if self._chars + len(text) > TEXT_BUDGET:
                self._texts.clear()
                self._chars = 0
            self._texts[digest] = text
            self._chars += len(text)

    def texts(self, hashes: Iterable[str]) -> tuple[dict[str, str], set[str]]:
        """The remembered texts among ``hashes``, and the hashes still to read."""
        found: dict[str, str] = {}
        missing: set[str] = set()
        for digest in hashes:
            text = self._texts.get(digest)
            if text is None:
                missing.add(digest)
            else:
                found[digest] = text
        return found, missing
