"""``/metrics``: counters of what committed, gauges read from the database, and who may scrape."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from engine.accounts import Accounts
from engine.engine import Engine
from engine.metrics import exposition, render_gauges
from tests.conftest import deploy, run_jobs

SAMPLE = re.compile(r"^(?P<name>[a-z_]+)(?P<labels>\{[^}]*\})? (?P<value>\S+)$")


def samples(text: str) -> dict[str, float]:
    """``name{labels}`` -> value, for every sample line; also checks that each line is well formed."""
    found: dict[str, float] = {}
    for line in text.splitlines():
        if not line:  # the text format ignores empty lines
            continue
        if line.startswith("#"):
            assert re.match(r"^# (HELP|TYPE) [a-z_]+ .+$", line), line
            continue
        match = SAMPLE.match(line)
        assert match, f"not a sample line: {line!r}"
        found[match["name"] + (match["labels"] or "")] = float(match["value"])
    return found


def scrape(engine: Engine) -> dict[str, float]:
    return samples(exposition(engine.steps.metrics, engine.db))


def test_counters_follow_steps_and_gauges_follow_the_jobs_table(engine: Engine) -> None:
    deploy(engine, "wide-join.bpmn")
    engine.start("wide-join", {})
    engine.start("wide-join", {})

    before = scrape(engine)
    assert before["steadyflow_instances_started_total"] == 2
    assert before['steadyflow_jobs{state="ready"}'] == 16
    assert before["steadyflow_job_queue_depth"] == 16
    assert before['steadyflow_instances{state="running"}'] == 2

    [claimed] = engine.claim_jobs("w1", ["branch"], max_jobs=1)
    engine.fail_job(claimed.id, "flaky", worker_id="w1", retry_in_s=0)
    [again] = engine.claim_jobs("w1", ["branch"], max_jobs=1)
    locked = scrape(engine)
    assert locked['steadyflow_jobs{state="locked"}'] == 1
    assert locked["steadyflow_job_queue_depth"] == 15
    assert locked['steadyflow_job_attempts_total{type="branch"}'] == 2
    assert locked['steadyflow_job_failures_total{type="branch"}'] == 1
    assert locked["steadyflow_instances_failed_total"] == 0, "a retried failure does not fail the instance"
    engine.fail_job(again.id, "broken for good", worker_id="w1", retryable=False)
    assert engine.instance(again.instance_id).open_incidents == 1
    assert scrape(engine)["steadyflow_instances_failed_total"] == 1

    stats = run_jobs(engine, {"branch": lambda job: {}, "after": lambda job: {}})
    after = scrape(engine)
    assert after["steadyflow_instances_completed_total"] == 1, "the instance with the incident is still running"
    assert after["steadyflow_incidents_open"] == 1
    assert after["steadyflow_instances_failed_total"] == 1, "counted when the instance failed, not again"
    assert after['steadyflow_jobs{state="incident"}'] == 1
    assert after["steadyflow_job_queue_depth"] == 0
    assert after["steadyflow_job_oldest_due_seconds"] == 0
    assert stats.completed == 16 - 1 + 1  # 15 branches, one After
    steps = after["steadyflow_steps_total"]
    assert steps >= 2 + 2 + 15 + 1
    assert after["steadyflow_step_duration_seconds_count"] == steps
    assert after['steadyflow_step_duration_seconds_bucket{le="+Inf"}'] == steps


def test_scrape_needs_a_token_or_password_unless_metrics_are_public(app: Flask, fast_accounts: Accounts) -> None:
    client = app.test_client()
    refused = client.get("/metrics")
    assert refused.status_code == 401
    assert "Bearer" in refused.headers["WWW-Authenticate"]
    assert client.get("/metrics", headers={"Authorization": "Bearer sf_not-a-token"}).status_code == 401

    token = fast_accounts.issue_token("viewer", "prometheus")
    answered = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert answered.status_code == 200
    assert answered.content_type.startswith("text/plain; version=0.0.4")
    assert "steadyflow_steps_total" in samples(answered.get_data(as_text=True))

    app.config["METRICS_PUBLIC"] = True
    assert client.get("/metrics").status_code == 200


def test_queue_depth_and_oldest_due_job_are_read_at_scrape_time(engine: Engine) -> None:
    deploy(engine, "wide-join.bpmn")
    engine.start("wide-join", {})
    due_at = min(job.due_at for job in engine.store_jobs())

    waiting = samples(render_gauges(engine.db, now=due_at + 90))
    assert waiting["steadyflow_job_queue_depth"] == 8
    assert waiting["steadyflow_job_oldest_due_seconds"] == pytest.approx(90)

    not_yet = samples(render_gauges(engine.db, now=due_at - 1))
    assert not_yet["steadyflow_job_queue_depth"] == 0
    assert not_yet["steadyflow_job_oldest_due_seconds"] == 0
