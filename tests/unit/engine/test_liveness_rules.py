"""Which registered workers count as dead: a stale heartbeat, or a pool of this host whose process is gone."""

from __future__ import annotations

from engine.liveness import dead_workers
from engine.store.workers import WorkerRow

NOW = 1_000_000.0
HOST = "node-a"
MY_PID = 4242


def _row(worker_id: str, *, host: str = HOST, pid: int = 100, beat_ago_s: float = 1.0) -> WorkerRow:
    return WorkerRow(worker_id, host, pid, NOW - 3600, NOW - beat_ago_s)


def _dead(rows: list[WorkerRow], *, live_here: set[str] | None = None, alive_pids: set[int] | None = None) -> list[str]:
    alive = alive_pids if alive_pids is not None else {100}
    return dead_workers(
        rows,
        now=NOW,
        timeout_s=10.0,
        host=HOST,
        pid=MY_PID,
        live_here=live_here or set(),
        alive=lambda pid: pid in alive,
    )


def test_a_worker_whose_heartbeat_is_older_than_the_timeout_is_dead() -> None:
    assert _dead([_row("w-stale", host="node-b", beat_ago_s=10.5)]) == ["w-stale"]


def test_a_worker_on_another_host_that_beat_within_the_timeout_is_alive() -> None:
    assert _dead([_row("w-remote", host="node-b", pid=999, beat_ago_s=9.0)]) == []


def test_a_live_process_on_this_host_is_never_taken_over_while_it_beats() -> None:
    assert _dead([_row("w-neighbour", pid=100, beat_ago_s=0.5)], alive_pids={100}) == []


def test_a_pool_of_this_host_whose_process_is_gone_is_dead_at_once() -> None:
    assert _dead([_row("w-killed", pid=777, beat_ago_s=0.5)], alive_pids={100}) == ["w-killed"]


def test_a_pid_gone_on_another_host_says_nothing_about_that_worker() -> None:
    assert _dead([_row("w-remote", host="node-b", pid=777, beat_ago_s=0.5)], alive_pids=set()) == []


def test_an_earlier_run_that_had_our_pid_is_dead_but_our_own_pools_are_not() -> None:
    rows = [_row("mine", pid=MY_PID, beat_ago_s=30), _row("predecessor", pid=MY_PID, beat_ago_s=0.5)]
    assert _dead(rows, live_here={"mine"}) == ["predecessor"]
