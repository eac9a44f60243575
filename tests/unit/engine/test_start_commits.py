"""Group commit of instance starts, with the transactions played by plain functions."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from engine.start_commits import StartCommits, StartRequest
from engine.store.records import InstanceRecord
from steadyflow.errors import InvalidInputError


def request(name: str) -> StartRequest:
    row = {"id": name}
    return StartRequest(row, make_live=lambda: None, trigger=lambda ctx: None)  # type: ignore[arg-type,return-value]


def record(req: StartRequest) -> InstanceRecord:
    return InstanceRecord(req.row["id"], "d", "k", None, "running", 1, 1, 0, "", 0.0, 0.0, None)


class Transactions:
    """What the store would do: commit alone or as a group; the first lone commit can be held open."""

    def __init__(self, refuse: set[str] = frozenset(), hold_first: bool = False) -> None:  # type: ignore[assignment]
        self.refuse = refuse
        self.held = threading.Event()
        self.release = threading.Event()
        self.hold_first = hold_first
        self.commits: list[list[str]] = []
        self.lock = threading.Lock()

    def alone(self, req: StartRequest) -> InstanceRecord:
        if self.hold_first and not self.held.is_set():
            self.held.set()
            assert self.release.wait(10)
        if req.row["id"] in self.refuse:
            raise InvalidInputError(f"start {req.row['id']} refused")
        with self.lock:
            self.commits.append([req.row["id"]])
        return record(req)

    def group(self, reqs: list[StartRequest]) -> None:
        refused = [r.row["id"] for r in reqs if r.row["id"] in self.refuse]
        if refused:
            raise InvalidInputError(f"start {refused[0]} refused")
        with self.lock:
            self.commits.append([r.row["id"] for r in reqs])
        for r in reqs:
            r.result = record(r)


def run_queued_behind_a_held_start(tx: Transactions, names: list[str], commits: StartCommits) -> dict[str, Any]:
    """Start ``first`` (held in its commit), queue ``names`` behind it, release; each caller's answer."""
    answers: dict[str, Any] = {}

    def start(name: str) -> None:
        try:
            answers[name] = commits.start(request(name)).id
        except InvalidInputError as exc:
            answers[name] = exc

    threads = [threading.Thread(target=start, args=("first",))]
    threads[0].start()
    assert tx.held.wait(10)
    for name in names:
        threads.append(threading.Thread(target=start, args=(name,)))
        threads[-1].start()
    wait_until(lambda: commits.queued == len(names))
    tx.release.set()
    for thread in threads:
        thread.join(10)
    return answers


def wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "the starts never queued"
        time.sleep(0.001)


def test_a_lone_start_commits_in_its_own_transaction_at_once() -> None:
    tx = Transactions()
    commits = StartCommits(tx.group, tx.alone)

    assert commits.start(request("a")).id == "a"

    assert tx.commits == [["a"]] and commits.groups == 0


def test_starts_that_queue_behind_a_commit_share_the_next_transaction() -> None:
    tx = Transactions(hold_first=True)
    commits = StartCommits(tx.group, tx.alone)

    answers = run_queued_behind_a_held_start(tx, ["b", "c", "d"], commits)

    assert answers == {"first": "first", "b": "b", "c": "c", "d": "d"}
    assert tx.commits[0] == ["first"] and sorted(tx.commits[1]) == ["b", "c", "d"] and len(tx.commits) == 2
    assert (commits.groups, commits.grouped_starts) == (1, 3)


def test_a_start_that_fails_in_a_group_is_retried_alone_and_the_others_commit() -> None:
    tx = Transactions(refuse={"c"}, hold_first=True)
    commits = StartCommits(tx.group, tx.alone)

    answers = run_queued_behind_a_held_start(tx, ["b", "c", "d"], commits)

    assert answers["b"] == "b" and answers["d"] == "d"
    assert isinstance(answers["c"], InvalidInputError) and "start c refused" in str(answers["c"])
    assert sorted(tx.commits[1:]) == [["b"], ["d"]], "after the group failed, each committed alone"
    assert commits.groups == 0 and commits.alone_retries == 3


def test_a_group_takes_at_most_max_group_starts() -> None:
    tx = Transactions(hold_first=True)
    commits = StartCommits(tx.group, tx.alone, max_group=2)

    answers = run_queued_behind_a_held_start(tx, ["b", "c", "d", "e", "f"], commits)

    assert sorted(answers) == ["b", "c", "d", "e", "f", "first"]
    assert all(len(c) <= 2 for c in tx.commits) and sum(len(c) for c in tx.commits) == 6


def test_a_lone_start_that_fails_raises_its_own_error() -> None:
    tx = Transactions(refuse={"a"})
    commits = StartCommits(tx.group, tx.alone)

    with pytest.raises(InvalidInputError, match="start a refused"):
        commits.start(request("a"))
    assert commits.start(request("b")).id == "b", "the failure left no leader behind"
