"""The Camunda 8 example's instance page with three regions: inner instances, badges, scopes, history.

The server leaves ``create-database`` to external workers, and this test is that worker (Camunda 7
external-task API), so the three regions stay active until the test completes them one by one:
every state the page shows is reached on purpose, not caught while it lasts.
"""

from __future__ import annotations

import base64
import json
import re
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import ADMIN, Server, log_in, run_server, screenshot

REGIONS = ["istanbul", "ankara", "izmir"]
WORKER = "browser-test-worker"
BODY = '[data-element-id="Activity_CreateDatabase"]'


@pytest.fixture(scope="module")
def external_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server whose in-process workers leave the region creation to this test."""
    yield from run_server(
        tmp_path_factory.mktemp("monitor-serve"), {"STEADYFLOW_DISABLE_HANDLERS": "create-database,create-replication"}
    )


def engine_rest(server: Server, path: str, body: Any) -> Any:
    headers = {
        "Authorization": "Basic " + base64.b64encode(":".join(ADMIN).encode()).decode(),
        "Content-Type": "application/json",
    }
    request = urllib.request.Request(
        server.url + "/engine-rest" + path, data=json.dumps(body).encode(), headers=headers, method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read()
    return json.loads(text) if text else None


def lock(server: Server, topic: str, count: int) -> list[dict[str, Any]]:
    topics = [{"topicName": topic, "lockDuration": 600_000}]
    found: list[dict[str, Any]] = engine_rest(
        server, "/external-task/fetchAndLock", {"workerId": WORKER, "maxTasks": count, "topics": topics}
    )
    return found


def lock_region_jobs(server: Server) -> dict[str, str]:
    """Fetch and lock the three creation jobs; region -> external task id."""
    return {task["variables"]["region"]["value"]: task["id"] for task in lock(server, "create-database", 3)}


def complete(server: Server, task_id: str, region: str) -> None:
    database = {"region": region, "name": f"orders-{region}"}
    variables = {"regionDatabase": {"value": json.dumps(database), "type": "Json"}}
    engine_rest(server, f"/external-task/{task_id}/complete", {"workerId": WORKER, "variables": variables})


def open_page(browser: Browser, server: Server, size: tuple[int, int]) -> Page:
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    context.set_default_timeout(30_000)
    page = context.new_page()
    log_in(page, server)
    return page


def test_three_regions_show_as_labelled_inner_instances_with_a_badge_of_three(
    browser: Browser, external_server: Server
) -> None:
    server = external_server
    server.deploy("database-creation-c8.bpmn")
    started = server.api(
        "POST", "/definitions/database-creation-c8/start", {"variables": {"regions": REGIONS, "dbName": "orders"}}
    )
    url = f"{server.url}/instances/{started['id']}"
    page = open_page(browser, server, (1280, 800))
    page.goto(url)
    page.evaluate("window.__notReloaded = true")

    inner = page.locator("#activities tr[data-kind='inner instance'] .tree-label")
    expect(inner).to_have_text([f"Create database ({region})" for region in REGIONS])
    expect(page.locator("#activities tr[data-kind='inner instance'] .loop-counter")).to_have_text(["#1", "#2", "#3"])
    expect(page.locator(".sf-badge.active[data-element='Activity_CreateDatabase']")).to_have_text("3")
    expect(page.locator(f"g.djs-element.sf-active{BODY}")).to_be_visible()
    process_scope = page.locator(".scope[data-scope='process']")
    # exactly the process's variables: no inner instance's region or loopCounter
    expect(process_scope.locator("tbody td:first-child code")).to_have_text(["dbName", "regionDatabases", "regions"])
    expect(page.locator(".scope[data-scope='inner instance']")).to_have_count(3)
    expect(page.locator(".scope[data-scope='inner instance']").first).to_contain_text('"istanbul"')
    running = page.locator("#activities tr[data-kind='inner instance'] .duration").first
    expect(running).not_to_have_text(running.inner_text())  # a running activity's duration keeps counting
    expect(page.locator("#timeline .hist-time").first).to_have_text(re.compile(r"\d\d:\d\d:\d\d\.\d{3}$"))
    screenshot(page, "instance-c8-three-regions-1280x800")

    jobs = lock_region_jobs(server)
    page.reload()
    expect(page.locator("#jobs .job-locked")).to_have_count(3)
    expect(page.locator("#jobs .job-locked").first).to_contain_text(f"locked by {WORKER} until")
    page.evaluate("window.__notReloaded = true")

    complete(server, jobs["istanbul"], "istanbul")
    expect(page.locator(".sf-badge.active[data-element='Activity_CreateDatabase']")).to_have_text("2")
    istanbul = page.locator("#activities tr[data-kind='inner instance']", has_text="(istanbul)")
    expect(istanbul.locator(".tstate")).to_have_text("completed")
    done = page.locator("#timeline tr[data-type=ActivityCompleted]", has_text="Create database (istanbul)")
    expect(done.locator(".hist-status")).to_have_text("completed")
    expect(done.locator(".hist-payload")).to_contain_text('"orders-istanbul"')
    assert page.evaluate("window.__notReloaded") is True  # updated live
    wide = open_page(browser, server, (1920, 1080))
    wide.goto(url)
    expect(wide.locator(".sf-badge.active[data-element='Activity_CreateDatabase']")).to_have_text("2")
    screenshot(wide, "instance-c8-one-region-done-1920x1080")

    complete(server, jobs["ankara"], "ankara")
    complete(server, jobs["izmir"], "izmir")
    expect(page.locator(".sf-badge.active[data-element='Activity_CreateReplication']")).to_have_text("1")
    (replication,) = lock(server, "create-replication", 1)
    engine_rest(server, f"/external-task/{replication['id']}/complete", {"workerId": WORKER})
    expect(page.locator("#instance-state .state")).to_have_text("completed")
    taken = page.locator("g.djs-connection.sf-taken")
    expect(taken).to_have_count(3)
    assert sorted(taken.evaluate_all("els => els.map(e => e.dataset.elementId)")) == ["Flow_1", "Flow_2", "Flow_3"]
    page.select_option("#timeline-filter select[name=task]", label="Create database (ankara) #2")
    page.click("#timeline-filter button[type=submit]")
    expect(page.locator("#timeline tbody tr")).to_have_count(4)
    expect(page.locator("#timeline .hist-label")).to_have_text(["Create database (ankara)"] * 4)
    screenshot(page, "instance-c8-history-of-ankara-1280x800")
    wide.goto(url)
    expect(wide.locator("#instance-state .state")).to_have_text("completed")
    screenshot(wide, "instance-c8-completed-1920x1080")
