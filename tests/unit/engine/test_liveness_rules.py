"""Which registered workers count as dead: a pool of this host whose process is gone, or a stale one elsewhere."""

from __future__ import annotations

from engine.liveness import dead_workers
from engine.store.workers import WorkerRow

NOW = 1_000_000.0
HOST = "node-a"
MY_PID = 4242


def _row(worker_id: str, *, host: str = HOST, pid: int = 100, beat_ago_s: float = 1.0) -> WorkerRow:
    return WorkerRow(worker_id, host, pid, NOW - 3600, NOW - beat_ago_s)


def _dead(
    rows: list[WorkerRow],
    *,
    live_here: set[str] | None = None,
    alive_pids: set[int] | None = None,
    starts: dict[int, str] | None = None,
    host: str | None = HOST,
) -> list[str]:
    alive = alive_pids if alive_pids is not None else {100}
    started = starts or {}

    def is_alive(pid: int, start: str | None) -> bool:
        return pid in alive and (start is None or started.get(pid) == start)

    return dead_workers(
        rows, now=NOW, timeout_s=10.0, host=host, pid=MY_PID, live_here=live_here or set(), alive=is_alive
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


def test_a_live_process_on_this_host_is_never_taken_over_however_stale_its_heartbeat() -> None:
    # a long write transaction (a big start on SQLite) can hold a heartbeat back past the timeout
    assert _dead([_row("w-blocked", pid=100, beat_ago_s=3600)], alive_pids={100}) == []


def test_a_pid_reused_by_another_process_counts_as_dead() -> None:
    rows = [_row("w-old", host=f"{HOST}#5000", pid=100, beat_ago_s=0.5)]
    assert _dead(rows, alive_pids={100}, starts={100: "9000"}) == ["w-old"]
    assert _dead(rows, alive_pids={100}, starts={100: "5000"}) == []


def test_a_same_named_host_of_another_boot_is_judged_by_its_heartbeat_not_by_our_pids() -> None:
    rows = [_row("w-twin", host="node-a/other-boot/ns#5000", pid=777, beat_ago_s=2)]
    assert _dead(rows, alive_pids=set(), host="node-a/our-boot/ns") == []


def test_without_a_host_identity_no_pid_is_judged_and_staleness_alone_decides() -> None:
    rows = [_row("w-fresh", pid=777, beat_ago_s=2), _row("w-stale", pid=100, beat_ago_s=30)]
    assert _dead(rows, alive_pids={100}, host=None) == ["w-stale"]
