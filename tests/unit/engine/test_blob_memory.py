"""BlobMemory: which blobs are committed, and the small ones' text, within a budget."""

from __future__ import annotations

import pytest

import engine.blob_memory as blob_memory
from engine.blob_memory import BlobMemory


def test_committed_blobs_are_known_and_their_text_is_served_without_reading() -> None:
    memory = BlobMemory()
    memory.committed({"h1": "[1, 2]"})

    assert "h1" in memory and "h2" not in memory
    assert memory.texts(["h1", "h2"]) == ({"h1": "[1, 2]"}, {"h2"})


def test_blobs_read_from_the_database_serve_later_reads_but_are_not_marked_written() -> None:
    memory = BlobMemory()
    memory.read({"h1": '"eu"'})

    assert memory.texts(["h1"]) == ({"h1": '"eu"'}, set())
    assert "h1" not in memory


def test_long_blobs_are_never_kept() -> None:
    memory = BlobMemory()
    memory.committed({"big": "x" * (blob_memory.TEXT_MAX + 1)})

    assert "big" in memory
    assert memory.texts(["big"]) == ({}, {"big"})


def test_texts_beyond_the_budget_make_room_by_forgetting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blob_memory, "TEXT_BUDGET", 10)
    memory = BlobMemory()
    memory.read({"a": "123456", "b": "7890"})
    memory.read({"c": "abc"})

    assert memory.texts(["a", "b", "c"]) == ({"c": "abc"}, {"a", "b"})
