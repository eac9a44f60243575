"""Operator tools in the browser on a real serve: time travel and rewind, moving a token, migration, heatmap.

The server here runs without the built-in database handlers, so the test decides when each region's
job completes (through an engine on the same SQLite file) and every step is the one it means.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from engine.engine import Engine
from tests.browser.conftest import Server, log_in, run_server, screenshot
from tests.conftest import DATA

REGIONS = ["istanbul", "ankara", "izmir"]
SIZES = ((1280, 800), (1920, 1080))


@pytest.fixture(scope="module")
def ops(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    # ``browser`` first: the shared server must have started before this one's environment is set.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("STEADYFLOW_DISABLE_HANDLERS", "create-database,create-replication,notify-owner")
        yield from run_server(tmp_path_factory.mktemp("ops"))


@pytest.fixture
def engine(ops: Server) -> Iterator[Engine]:
    with Engine.open(data_dir=ops.data_dir) as opened:
        yield opened


def _page(browser: Browser, server: Server, width: int = 1280, height: int = 800) -> Page:
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(30_000)
    page = context.new_page()
    log_in(page, server)
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def _complete(engine: Engine, instance_id: str, element_or_region: str) -> None:
    jobs = [j for j in engine.claim_jobs("test", None, max_jobs=50) if j.instance_id == instance_id]
    try:
        for job in jobs:
            if element_or_region in (job.element_id, job.variables.get("region")):
                engine.complete_job(
                    job.id, {"regionDatabase": {"region": job.variables.get("region")}}, worker_id="test"
                )
                return
        raise AssertionError(f"no job for {element_or_region} in {[j.element_id for j in jobs]}")
    finally:
        engine.release_locks("test", [j.id for j in jobs], unstarted=True)


def _deploy(server: Server, *names: str) -> None:
    for name in names:
        server.deploy(name)


def test_scrubber_shows_the_state_after_the_second_region_then_rewinds(
    browser: Browser, ops: Server, engine: Engine
) -> None:
    _deploy(ops, "database-creation-c8.bpmn")
    started = ops.api(
        "POST", "/definitions/database-creation-c8/start", {"variables": {"database": "orders", "regions": REGIONS}}
    )
    instance_id = started["id"]
    _complete(engine, instance_id, "istanbul")
    _complete(engine, instance_id, "ankara")
    second = engine.instance(instance_id).version
    _complete(engine, instance_id, "izmir")
    _complete(engine, instance_id, "Activity_CreateReplication")
    assert engine.instance(instance_id).state == "completed"
    expected = ops.api("GET", f"/instances/{instance_id}/steps/{second}")

    for width, height in SIZES:
        page = _page(browser, ops, width, height)
        page.goto(f"{ops.url}/instances/{instance_id}")
        expect(page.locator("#diagram[data-painted]")).to_be_visible()
        page.locator("#scrubber").fill(str(second))
        expect(page.locator("#diagram")).to_have_attribute("data-painted", f"step-{second}")
        badge = page.locator('.sf-badge.active[data-element="Activity_CreateDatabase"]')
        expect(badge).to_have_text(str(expected["element_counts"]["Activity_CreateDatabase"]["active"]))
        expect(badge).to_have_text("1")
        expect(page.locator('g.djs-element.sf-active[data-element-id="Activity_CreateReplication"]')).to_have_count(0)
        expect(page.locator('g.djs-element.sf-completed[data-element-id="StartEvent_RequestReceived"]')).to_have_count(
            1
        )
        expect(page.locator("#step-variables tr[data-name=regionDatabase]")).to_contain_text("ankara")
        expect(page.locator("#step-label")).to_contain_text(f"Step {second} of")
        expect(page.locator("#step-events li[data-type=ActivityCompleted]").first).to_be_visible()
        screenshot(page, f"time-travel-step-{width}x{height}")
        page.context.close()

    page = _page(browser, ops)
    page.goto(f"{ops.url}/instances/{instance_id}")
    expect(page.locator("#diagram[data-painted]")).to_be_visible()
    page.locator("#scrubber").fill(str(second))
    expect(page.locator("#diagram")).to_have_attribute("data-painted", f"step-{second}")
    page.fill("#rewind-form input[name=reason]", "izmir again")
    page.click("#rewind-button")
    expect(page.locator(".flash-ok")).to_contain_text(f"Restarted from step {second}")
    expect(page.locator("#instance-state .state")).to_have_text("running")
    assert [j.variables["region"] for j in engine.store_jobs(instance_id=instance_id)] == ["izmir"]
    screenshot(page, "time-travel-rewound")
    page.context.close()


def test_a_token_moved_in_the_ui_and_the_instance_completes_from_there(
    browser: Browser, ops: Server, engine: Engine
) -> None:
    _deploy(ops, "database-creation-c8.bpmn")
    started = ops.api(
        "POST", "/definitions/database-creation-c8/start", {"variables": {"database": "moved", "regions": REGIONS}}
    )
    instance_id = started["id"]
    page = _page(browser, ops)
    page.goto(f"{ops.url}/instances/{instance_id}")
    expect(page.locator('g.djs-element.sf-active[data-element-id="Activity_CreateDatabase"]')).to_be_visible()
    page.select_option("#modify-kind", "move")
    page.select_option("#modify-element", "Activity_CreateDatabase")
    page.select_option("#modify-target", "Activity_CreateReplication")
    page.fill("#modify-form input[name=reason]", "databases exist already")
    screenshot(page, "modify-form-1280x800")
    page.set_viewport_size({"width": 1920, "height": 1080})
    screenshot(page, "modify-form-1920x1080")
    page.click("#modify-button")

    expect(page.locator(".flash-ok")).to_contain_text("Tokens changed.")
    expect(page.locator('g.djs-element.sf-active[data-element-id="Activity_CreateReplication"]')).to_be_visible()
    expect(page.locator('g.djs-element.sf-active[data-element-id="Activity_CreateDatabase"]')).to_have_count(0)
    _complete(engine, instance_id, "Activity_CreateReplication")
    expect(page.locator("#instance-state .state")).to_have_text("completed")
    screenshot(page, "modify-completed-1920x1080")
    page.context.close()


def test_migration_moves_ten_running_instances_to_version_2(browser: Browser, ops: Server, engine: Engine) -> None:
    _deploy(ops, "database-creation-c8.bpmn")
    ops.api("POST", "/deployments", files=[DATA / "database-creation-c8-v2.bpmn"])
    versions = {v["version"]: v for v in ops.api("GET", "/definitions/database-creation-c8")["versions"]}
    v1, v2 = versions[1]["id"], versions[2]["id"]
    before = sum(1 for i in engine.instances(state="running", limit=1000) if i.definition_id == v1)
    ids = [
        ops.api(
            "POST",
            "/definitions/database-creation-c8/start",
            {"version": 1, "variables": {"database": f"m{n}", "regions": ["eu"]}},
        )["id"]
        for n in range(10)
    ]
    page = _page(browser, ops)
    page.goto(f"{ops.url}/definitions/database-creation-c8?version=1")
    page.select_option("#migrate-target", v2)
    screenshot(page, "migrate-form-1280x800")
    page.set_viewport_size({"width": 1920, "height": 1080})
    screenshot(page, "migrate-form-1920x1080")
    page.click("#migrate-button")

    expect(page.locator(".flash-ok")).to_contain_text(f"Migrated {before + 10} instance(s) to version 2.")
    assert {engine.instance(i).definition_id for i in ids} == {v2}
    page.goto(f"{ops.url}/definitions/database-creation-c8?version=2")
    running = page.locator("table.rows tbody tr.selected .count-running")
    expect(running).to_have_text(
        str(sum(1 for i in engine.instances(state="running", limit=1000) if i.definition_id == v2))
    )
    screenshot(page, "migrated-version-2-1920x1080")
    _complete(engine, ids[0], "eu")
    _complete(engine, ids[0], "Activity_CreateReplication")
    _complete(engine, ids[0], "Activity_NotifyOwner")
    assert engine.instance(ids[0]).state == "completed"
    page.context.close()


def test_heatmap_counts_on_the_diagram_equal_the_api(browser: Browser, ops: Server, engine: Engine) -> None:
    _deploy(ops, "database-creation-c8.bpmn")
    for n in range(2):
        started = ops.api(
            "POST",
            "/definitions/database-creation-c8/start",
            {"version": 1, "variables": {"database": f"h{n}", "regions": REGIONS}},
        )
        for region in REGIONS:
            _complete(engine, started["id"], region)
    expected: dict[str, Any] = ops.api("GET", "/definitions/database-creation-c8/heatmap?version=1")["elements"]

    for width, height in SIZES:
        page = _page(browser, ops, width, height)
        page.goto(f"{ops.url}/definitions/database-creation-c8?version=1")
        expect(page.locator("#diagram[data-painted=counts]")).to_be_visible()
        page.check("#heat-toggle")
        expect(page.locator("#diagram")).to_have_attribute("data-painted", "heat")
        for element, heat in expected.items():
            expect(page.locator(f'.sf-badge.heat[data-element="{element}"]')).to_have_text(str(heat["count"]))
        assert expected["Activity_CreateDatabase"]["count"] >= 6
        expect(page.locator('.sf-heat-note[data-element="Activity_CreateDatabase"]')).to_contain_text("p95")
        screenshot(page, f"heatmap-{width}x{height}")
        page.context.close()
