from __future__ import annotations

from bpmn.dialects.definitions import RetrySettings
from engine.retry_policy import RetryPolicy


def test_backoff_grows_by_the_coefficient_and_is_capped() -> None:
    policy = RetryPolicy(initial_interval_s=1, backoff_coefficient=2, maximum_interval_s=5)
    assert [policy.delay_after(n) for n in range(1, 6)] == [1, 2, 4, 5, 5]


def test_zeebe_retries_set_the_number_of_attempts() -> None:
    assert RetryPolicy().with_model(RetrySettings(max_attempts=5)).maximum_attempts == 5


def test_camunda7_retry_cycle_uses_a_fixed_interval() -> None:
    policy = RetryPolicy().with_model(RetrySettings(max_attempts=3, initial_interval_s=300))
    assert policy.maximum_attempts == 3
    assert [policy.delay_after(n) for n in (1, 2)] == [300, 300]


def test_camunda7_interval_list_gives_one_delay_per_retry() -> None:
    policy = RetryPolicy().with_model(RetrySettings(max_attempts=3, fixed_intervals_s=(60, 300)))
    assert [policy.delay_after(n) for n in (1, 2, 3)] == [60, 300, 300]


def test_non_retryable_types_are_recognised() -> None:
    policy = RetryPolicy(non_retryable_error_types=("ValueError",))
    assert not policy.retryable("ValueError") and policy.retryable("TimeoutError")


def test_policy_round_trips_as_data() -> None:
    policy = RetryPolicy(initial_interval_s=0.5, fixed_intervals_s=(1.0, 2.0), non_retryable_error_types=("X",))
    assert RetryPolicy.from_dict(policy.as_dict()) == policy


def test_a_policy_given_lists_is_a_hashable_value_and_applies_a_models_settings() -> None:
    policy = RetryPolicy(non_retryable_error_types=["ValueError"], fixed_intervals_s=[1.0])  # type: ignore[arg-type]

    assert policy == RetryPolicy(non_retryable_error_types=("ValueError",), fixed_intervals_s=(1.0,))
    assert hash(policy) == hash(RetryPolicy(non_retryable_error_types=("ValueError",), fixed_intervals_s=(1.0,)))
    assert policy.with_model(RetrySettings(max_attempts=5)).maximum_attempts == 5
