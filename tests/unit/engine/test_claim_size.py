"""How many jobs run_until_idle claims at once: many for fast handlers, about one per thread for slow ones."""

from __future__ import annotations

from engine.worker import MAX_CLAIM, claim_size


def test_before_any_handler_ran_it_claims_a_few_per_thread() -> None:
    assert claim_size(4, None, 300) == 16
    assert claim_size(8, None, 300) == 32


def test_fast_handlers_get_big_claims_up_to_the_cap() -> None:
    assert claim_size(1, 0.0001, 300) == MAX_CLAIM
    assert claim_size(4, 0.05, 300) == 160  # 2 s of work for 4 threads


def test_slow_handlers_get_one_job_per_thread() -> None:
    assert claim_size(4, 2.0, 300) == 4
    assert claim_size(4, 30.0, 300) == 4


def test_short_locks_shrink_the_claim_so_queued_jobs_keep_theirs() -> None:
    assert claim_size(4, 0.05, 2) == 40  # a quarter of the lock, 0.5 s, of work per thread
