"""Watching an instance in the browser: tokens on the diagram, live, then incidents and Retry."""

from __future__ import annotations

import time
import uuid

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import Server, log_in, screenshot

ISTANBUL = '[data-element-id="Activity_CreateDatabaseIstanbul"]'
ANKARA = '[data-element-id="Activity_CreateDatabaseAnkara"]'


def start_database_creation(server: Server) -> str:
    server.deploy("database-creation.bpmn")
    name = "db_" + uuid.uuid4().hex[:8]
    started = server.api("POST", "/definitions/database-creation/start", {"variables": {"database": name}})
    return str(started["id"])


def test_region_tasks_show_active_then_completed_without_reload(page: Page, server: Server) -> None:
    instance_id = start_database_creation(server)
    page.goto(f"{server.url}/instances/{instance_id}")
    page.evaluate("window.__notReloaded = true")
    expect(page.locator(f"g.djs-element.sf-active{ISTANBUL}")).to_be_visible()
    expect(page.locator(f"g.djs-element.sf-active{ANKARA}")).to_be_visible()
    screenshot(page, "instance-regions-active")
    expect(page.locator(f"g.djs-element.sf-completed{ISTANBUL}")).to_be_visible()
    expect(page.locator(f"g.djs-element.sf-completed{ANKARA}")).to_be_visible()
    expect(page.locator("#instance-state .state")).to_have_text("completed")
    expect(page.locator("#timeline tr[data-type=InstanceCompleted]")).to_contain_text("completed")
    assert page.evaluate("window.__notReloaded") is True
    screenshot(page, "instance-completed")


def test_failing_region_raises_an_incident_and_retry_completes(browser: Browser, fresh_server: Server) -> None:
    server = fresh_server
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(30_000)
    page = context.new_page()
    log_in(page, server)
    blocker = server.data_dir / "regions" / "Ankara"
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("a file where the region's folder should be: every creation in Ankara fails")
    try:
        instance_id = start_database_creation(server)
        page.goto(f"{server.url}/instances/{instance_id}")
        expect(page.locator(".sf-badge.incident[data-element='Activity_CreateDatabaseAnkara']")).to_be_visible()
        expect(page.locator(f"g.djs-element.sf-incident{ANKARA}")).to_be_visible()
        expect(page.locator("#incidents")).to_contain_text("Create database (Ankara)")
        expect(page.locator("#timeline tr[data-type=JobFailed]").last).to_contain_text("job failed (attempt 1)")
        screenshot(page, "instance-incident")
    finally:
        blocker.unlink()
    page.click("#retry-button")
    expect(page.locator("#instance-state .state")).to_have_text("completed")
    expect(page.locator(f"g.djs-element.sf-completed{ANKARA}")).to_be_visible()
    expect(page.locator("#timeline tr[data-type=IncidentResolved]")).to_contain_text("incident resolved")
    expect(page.locator("#past-incidents")).to_contain_text("Create database (Ankara)")
    screenshot(page, "instance-retried-completed")
    context.close()


def wait_until_nothing_runs(server: Server) -> None:
    for _ in range(120):
        if server.api("GET", "/instances?state=running")["total"] == 0:
            return
        time.sleep(0.5)
    raise AssertionError("instances of earlier tests are still running")


def test_dashboard_counts_update_without_reload(page: Page, server: Server) -> None:
    server.deploy("database-creation.bpmn")
    wait_until_nothing_runs(server)
    page.goto(server.url + "/")
    page.evaluate("window.__notReloaded = true")
    completed = page.locator('tr[data-key="database-creation"] .count-completed')
    before = int(completed.inner_text())
    name = "dash_" + uuid.uuid4().hex[:6]
    server.api("POST", "/definitions/database-creation/start", {"variables": {"database": name}})
    expect(completed).to_have_text(str(before + 1))
    assert page.evaluate("window.__notReloaded") is True
    screenshot(page, "dashboard-live")
