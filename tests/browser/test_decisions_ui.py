"""Upload a BPMN + DMN pair, start the process, and see the decision's matched rule on its page (dmn-js)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import Server, screenshot
from tests.conftest import DATA


def test_a_decision_page_highlights_the_rule_a_business_rule_task_matched(page: Page, server: Server) -> None:
    page.goto(server.url + "/deploy")
    page.set_input_files(
        "#deploy-files", [str(DATA / "dmn" / "decisions-c8.bpmn"), str(DATA / "dmn" / "hit-policies-c8.dmn")]
    )
    page.click("#deploy-button")
    result = page.locator("#deploy-result")
    expect(result).to_contain_text("Deployed")
    expect(result).to_contain_text("decision Dish version 1")
    screenshot(page, "decision-deploy")

    variables = {"month": 10, "guestCount": 4, "amount": 10, "customer": "gold", "age": 40, "debt": 0}
    started = server.api("POST", "/definitions/c8-decisions/start", {"variables": variables})
    page.goto(f"{server.url}/instances/{started['id']}")
    decisions = page.locator("#decision-evaluations")
    expect(decisions).to_contain_text("Dish")
    expect(page.locator("#timeline")).to_contain_text("decision evaluated 'dish'")
    screenshot(page, "decision-instance")

    decisions.get_by_role("link", name="Dish").click()
    view = page.locator("#dmn-view[data-ready=true]")
    expect(view).to_be_attached()
    matched = page.locator("#dmn-view tr.sf-matched-rule")
    expect(matched).to_have_count(1)
    expect(matched).to_contain_text("Spareribs")
    expect(page.locator("#matched-summary")).to_contain_text("dish_rule1")
    screenshot(page, "decision-matched-rule")
