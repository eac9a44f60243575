"""A real ``steadyflow serve`` on 127.0.0.1 with a temporary SQLite database, driven by Debian's Chromium."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from engine.accounts import Accounts
from engine.engine import Engine
from tests.conftest import CHROMIUM, DATA, EXAMPLES, ROOT

ARTIFACTS = ROOT / "test-artifacts"
expect.set_options(timeout=30_000)  # a generous ceiling for waiting, never a timing assertion
ADMIN = ("admin", "admin-password")
DEMO_DELAY_S = "1.5"
"""Each region's creation takes this long, so a test can watch the tasks while they are active."""


@dataclass
class Server:
    url: str
    data_dir: Path

    def api(self, method: str, path: str, body: Any = None, files: list[Path] | None = None) -> Any:
        """Call /api/v1 as the admin; setting up a test through the API keeps the UI steps in focus."""
        headers = {"Authorization": "Basic " + base64.b64encode(":".join(ADMIN).encode()).decode()}
        data = None
        if files:
            boundary = "steadyflowtestboundary"
            parts = [
                f'--{boundary}\r\nContent-Disposition: form-data; name="{f.name}"; filename="{f.name}"\r\n'
                f"Content-Type: text/xml\r\n\r\n".encode()
                + f.read_bytes()
                + b"\r\n"
                for f in files
            ]
            data = b"".join(parts) + f"--{boundary}--\r\n".encode()
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.url + "/api/v1" + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.load(response)
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"{method} {path}: {exc.code} {exc.read().decode()}") from None

    def deploy(self, *names: str) -> None:
        self.api("POST", "/deployments", files=[EXAMPLES / n if (EXAMPLES / n).exists() else DATA / n for n in names])


def run_server(data_dir: Path, env_extra: dict[str, str] | None = None) -> Iterator[Server]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is missing: 'make test' installs Debian's chromium")
    with Engine.open(data_dir=data_dir) as engine:
        Accounts(engine.db).add_user(ADMIN[0], "admin", ADMIN[1])
    env = {k: v for k, v in os.environ.items() if k != "STEADYFLOW_DB"}
    env |= {"STEADYFLOW_DEMO_DELAY_S": DEMO_DELAY_S, "PYTHONUNBUFFERED": "1"} | (env_extra or {})
    process = subprocess.Popen(
        [sys.executable, "-m", "steadyflow", "serve", "--port", "0", "--data-dir", str(data_dir)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    url = None
    for line in process.stdout:
        if "serving on " in line:
            url = line.split("serving on ")[1].split()[0]
            break
    if url is None:
        process.kill()
        raise AssertionError("steadyflow serve did not start")
    try:
        yield Server(url, data_dir)
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from run_server(tmp_path_factory.mktemp("serve"))


@pytest.fixture
def fresh_server(tmp_path: Path) -> Iterator[Server]:
    """A server of its own, for a test that breaks a region's folder on purpose."""
    yield from run_server(tmp_path / "serve")


@pytest.fixture(scope="session")
def browser(server: Server, chromium: Browser) -> Browser:
    """The worker's one Chromium (tests/conftest.py), once the shared server is up."""
    return chromium


def log_in(page: Page, server: Server) -> None:
    page.goto(server.url + "/login")
    page.fill("input[name=username]", ADMIN[0])
    page.fill("input[name=password]", ADMIN[1])
    page.click("button[type=submit]")
    page.wait_for_url(server.url + "/")


@pytest.fixture
def page(browser: Browser, server: Server) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(30_000)
    page = context.new_page()
    log_in(page, server)
    yield page
    context.close()


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
