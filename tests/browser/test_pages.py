"""Log in, deploy by file picker, refused uploads, the tasklist form, and every page at two sizes."""

from __future__ import annotations

import uuid

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import ADMIN, Server, log_in, screenshot
from tests.conftest import DATA, EXAMPLES


def test_login_page_refuses_a_wrong_password_then_logs_in(browser: Browser, server: Server) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(server.url + "/instances")
    expect(page).to_have_url(f"{server.url}/login?next=/instances")
    screenshot(page, "login")
    page.fill("input[name=username]", ADMIN[0])
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    expect(page.locator(".flash-error")).to_contain_text("Wrong user name or password")
    log_in(page, server)
    expect(page.locator("h1")).to_have_text("Dashboard")
    context.close()


def test_upload_by_file_picker_deploys_the_example(page: Page, server: Server) -> None:
    page.goto(server.url + "/deploy")
    page.set_input_files("#deploy-files", str(EXAMPLES / "database-creation.bpmn"))
    page.click("#deploy-button")
    expect(page.locator("#deploy-result")).to_contain_text("Deployed")
    expect(page.locator("#deploy-result")).to_contain_text("Database creation")
    screenshot(page, "deploy-ok")
    page.click("#deploy-result a")
    expect(page.locator("#diagram[data-painted]")).to_be_attached()
    screenshot(page, "definition")


def test_refused_upload_lists_the_problem_and_marks_the_diagram(page: Page, server: Server) -> None:
    page.goto(server.url + "/deploy")
    page.set_input_files("#deploy-files", str(DATA / "refused-gateway.bpmn"))
    page.click("#deploy-button")
    expect(page.locator("#deploy-result")).to_contain_text("Refused")
    expect(page.locator("#deploy-result .problems")).to_contain_text("cannot parse expression")
    expect(page.locator(".sf-problem-note")).to_contain_text("cannot parse expression")
    expect(page.locator('g.djs-element.sf-problem[data-element-id="f2"]')).to_be_attached()
    screenshot(page, "deploy-refused")


def test_user_task_form_validates_then_completes(page: Page, server: Server) -> None:
    server.deploy("user-task-form.bpmn")
    instance = server.api("POST", "/definitions/approval/start", {"business_key": "FORM-1"})
    page.goto(server.url + "/tasks")
    page.locator("#tasks-table tr", has_text="FORM-1").locator("a").first.click()
    page.click("#claim-button")
    expect(page.locator("#assignee")).to_have_text(ADMIN[0])
    page.fill("#field-size_gb", "900")
    page.click("#complete-button")
    expect(page.locator(".field-error").first).to_be_visible()
    screenshot(page, "task-form-invalid")
    page.fill("#field-size_gb", "20")
    page.select_option("#field-tier", "gold")
    page.check("input[name=approved]")
    page.click("#complete-button")
    expect(page.locator(".flash-ok")).to_contain_text("Completed")
    assert server.api("GET", f"/instances/{instance['id']}/head")["state"] == "completed"
    variables = server.api("GET", f"/instances/{instance['id']}/variables")["variables"]
    assert variables == {"approved": True, "size_gb": 20, "tier": "gold"}


def test_ticked_instances_are_cancelled_together_from_the_list(page: Page, server: Server) -> None:
    server.deploy("user-task-form.bpmn")
    prefix = "BATCH-" + uuid.uuid4().hex[:6]
    ids = [server.api("POST", "/definitions/approval/start", {"business_key": f"{prefix}-{n}"})["id"] for n in range(2)]
    page.goto(f"{server.url}/instances?business_key={prefix}")
    expect(page.locator("#batch-cancel")).to_be_disabled()
    page.locator(f'input[name="ids"][value="{ids[0]}"]').check()
    expect(page).to_have_url(f"{server.url}/instances?business_key={prefix}")  # ticking is not opening the row
    expect(page.locator("#batch-count")).to_have_text("1 ticked:")
    page.check("#pick-all")
    expect(page.locator("#batch-count")).to_have_text("2 ticked:")
    screenshot(page, "instances-batch")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#batch-cancel")
    expect(page.locator(".flash-ok")).to_contain_text("Cancelled 2 instance(s).")
    assert [server.api("GET", f"/instances/{i}/head")["state"] for i in ids] == ["cancelled", "cancelled"]


def test_every_page_fits_1280x800_and_1920x1080(browser: Browser, server: Server) -> None:
    server.deploy("database-creation.bpmn")
    started = server.api("POST", "/definitions/database-creation/start", {"variables": {"database": "layout"}})
    pages = {
        "dashboard": "/",
        "deploy": "/deploy",
        "definition": "/definitions/database-creation",
        "instances": "/instances",
        "instance": f"/instances/{started['id']}",
        "tasks": "/tasks",
    }
    for width, height in ((1280, 800), (1920, 1080)):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        log_in(page, server)
        for name, path in pages.items():
            page.goto(server.url + path)
            page.wait_for_load_state("networkidle")
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{name} scrolls sideways at {width}x{height}"
            screenshot(page, f"{name}-{width}x{height}")
        context.close()
