"""The instance page of a caller whose call activity runs its child: the child's activities and the link to it.

The child ``c7-shipping`` waits for a ``ship`` job, which no handler of the server serves, so the
page is looked at while the child runs (reached on purpose, not caught while it lasts).
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import Server, screenshot

CALL = "[data-element-id='CallShipping']"


def test_the_call_activity_links_the_child_it_runs_and_only_the_callers_elements_are_painted(
    page: Page, server: Server
) -> None:
    server.deploy("calls/c7-order.bpmn", "calls/c7-shipping.bpmn")
    started = server.api("POST", "/definitions/c7-order/start", {"variables": {"orderId": 7}})

    try:
        page.goto(f"{server.url}/instances/{started['id']}")

        overlay = page.locator(".sf-call[data-element='CallShipping'] a")
        expect(overlay).to_have_text("↳ Ship an order v1")
        expect(page.locator(f"g.djs-element.sf-active{CALL}")).to_be_visible()
        expect(page.locator(".sf-badge.active")).to_have_count(1)  # the call only: the child's task is not the caller's
        called = page.locator("#activities tr.called")
        expect(called.locator(".tree-label")).to_have_text(
            ["Shipping requested", "Pick carrier", "Delivery", "Event_z43dvyr", "Ship parcel"]
        )
        row = page.locator("#activities tr[data-element='CallShipping']")
        expect(row.locator(".call-target a")).to_have_text("Ship an order v1")
        screenshot(page, "instance-call-activity-running-child-1280x800")

        overlay.click()
        page.wait_for_url(f"{server.url}/definitions/c7-shipping?version=1")
        expect(page.locator("h1")).to_contain_text("Ship an order")
    finally:  # the child waits for a job nobody serves: cancel it, so later tests on this server see nothing running
        server.api("POST", f"/instances/{started['id']}/cancel", {})
