"""Process testing in the browser: the deploy page's Dry run button, and the HTML coverage report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import Server, screenshot
from tests.conftest import DATA, EXAMPLES, ROOT

MESSAGE_CATCH = DATA / "constructs" / "c8-message-catch.bpmn"


def test_dry_run_draws_the_path_and_says_where_it_waits_without_deploying(page: Page, server: Server) -> None:
    page.goto(server.url + "/deploy")
    page.set_input_files("#deploy-files", str(MESSAGE_CATCH))
    page.click(".dry-run-options summary")
    page.fill("#dry-run-variables", '{"orderId": "o-17", "trackingNumber": "t-1"}')
    page.click("#dry-run-button")
    expect(page.locator("#dry-run-state")).to_have_attribute("data-state", "waiting")
    expect(page.locator("#dry-run-stops")).to_contain_text(
        "Event_1420rox: waits for message 'payment-received' with correlation key 'o-17'"
    )
    expect(page.locator("#dry-run-variables-out")).to_contain_text('"orderId": "o-17"')
    expect(page.locator("#dry-run-diagram[data-painted=dry-run]")).to_be_attached()
    expect(page.locator('g.djs-element.sf-completed[data-element-id="StartEvent_1"]')).to_be_attached()
    expect(page.locator('g.djs-element.sf-taken[data-element-id="Flow_0gtpmas"]')).to_be_attached()
    expect(page.locator('g.djs-element.sf-incident[data-element-id="Event_1420rox"]')).to_be_attached()
    expect(page.locator('g.djs-element.sf-completed[data-element-id="Activity_0svn8ts"]')).to_have_count(0)
    screenshot(page, "dry-run-waiting")
    keys = [d["key"] for d in server.api("GET", "/definitions")["items"]]
    assert "c8-message-catch" not in keys


def test_dry_run_of_the_example_runs_to_its_end_with_stub_workers(page: Page, server: Server) -> None:
    page.goto(server.url + "/deploy")
    page.set_input_files("#deploy-files", str(EXAMPLES / "database-creation-c8.bpmn"))
    page.click(".dry-run-options summary")
    page.fill("#dry-run-variables", '{"regions": ["eu", "us", "ap"]}')
    page.click("#dry-run-button")
    expect(page.locator("#dry-run-state")).to_have_attribute("data-state", "completed")
    expect(page.locator('g.djs-element.sf-completed[data-element-id="EndEvent_DatabaseReady"]')).to_be_attached()
    expect(page.locator('g.djs-element.sf-taken[data-element-id="Flow_3"]')).to_be_attached()
    screenshot(page, "dry-run-completed")


def test_dry_run_of_a_refused_model_shows_the_problem(page: Page, server: Server) -> None:
    page.goto(server.url + "/deploy")
    page.set_input_files("#deploy-files", str(DATA / "reserved-id.bpmn"))
    page.click("#dry-run-button")
    expect(page.locator("#deploy-result")).to_contain_text("Dry run refused")
    expect(page.locator("#deploy-result .problems")).to_contain_text("element id 'End' is reserved by the engine")


def test_coverage_report_marks_covered_and_uncovered_elements(browser: Browser, tmp_path: Path) -> None:
    cases = tmp_path / "partial.test.json"
    start = {
        "type": "CREATE_PROCESS_INSTANCE",
        "processDefinitionSelector": {"processDefinitionId": "database-creation"},
    }
    complete = {"type": "COMPLETE_JOB", "jobSelector": {"elementId": "Activity_CreateDatabaseIstanbul"}}
    cases.write_text(json.dumps({"testCases": [{"name": "one region", "instructions": [start, complete]}]}))
    report = tmp_path / "coverage"
    run = subprocess.run(
        [
            *(sys.executable, "-m", "steadyflow", "test", str(cases), "--coverage", str(report), "--resources"),
            *(str(EXAMPLES / "database-creation.bpmn"), str(EXAMPLES / "database-creation-c8.bpmn")),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    try:
        page.goto((report / "coverage.html").as_uri())
        expect(page.locator("#diagram-0[data-ready=true]")).to_be_attached()
        expect(page.locator("#diagram-1[data-ready=true]")).to_be_attached()
        first = page.locator("#diagram-0")
        expect(first).to_have_attribute("data-process", "database-creation")
        expect(
            first.locator('g.djs-element.sf-covered[data-element-id="Activity_CreateDatabaseIstanbul"]')
        ).to_be_attached()
        expect(first.locator('g.djs-element.sf-covered[data-element-id="Flow_4"]')).to_be_attached()
        expect(
            first.locator('g.djs-element.sf-uncovered[data-element-id="Activity_CreateReplication"]')
        ).to_be_attached()
        expect(first.locator('g.djs-element.sf-uncovered[data-element-id="Flow_6"]')).to_be_attached()
        second = page.locator("#diagram-1")
        expect(
            second.locator('g.djs-element.sf-uncovered[data-element-id="StartEvent_RequestReceived"]')
        ).to_be_attached()
        expect(page.locator("table")).to_contain_text("database-creation-c8")
        screenshot(page, "coverage-report")
    finally:
        context.close()
