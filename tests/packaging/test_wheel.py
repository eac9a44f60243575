"""The built wheel carries its UI: installed in a fresh virtual environment without Node, it serves diagrams."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import screenshot
from tests.conftest import EXAMPLES, ROOT

pytestmark = pytest.mark.slow
ADMIN = ("admin", "wheel-test-password")


def _clean_env() -> dict[str, str]:
    """The environment without this checkout's Python settings, so nothing resolves to the source tree."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("STEADYFLOW_", "PYTHON", "VIRTUAL_ENV", "PIP_"))}


def _run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    kwargs.setdefault("env", _clean_env())
    result = subprocess.run(args, capture_output=True, text=True, timeout=600, check=False, **kwargs)  # type: ignore[call-overload]
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)])
    (built,) = out.glob("steadyflow-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment holding only the wheel and its dependencies; returns its bin folder."""
    venv = tmp_path_factory.mktemp("venv")
    _run([sys.executable, "-m", "venv", str(venv)])
    # Run from the venv itself: `python -m pip` puts its working folder on sys.path, and the checkout's
    # steadyflow.egg-info would look like steadyflow is installed already.
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)], cwd=venv)
    return venv / "bin"


def test_wheel_holds_the_pinned_browser_libraries_and_the_metadata(wheel: Path) -> None:
    pinned = sorted(json.loads((ROOT / "webui" / "package.json").read_text())["dependencies"])
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    for package in pinned:
        assert any(n.startswith(f"webui/vendor/{package}/") for n in names), f"{package} is not in the wheel"
    assert "webui/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js" in names
    assert not any(n.endswith(".development.js") for n in names), "development builds bloat the wheel"
    assert not any("node_modules" in n for n in names)
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert any(n.startswith("engine/store/migrations/versions/0001") for n in names)
    assert "License-Expression: Apache-2.0" in metadata
    assert "Classifier: Programming Language :: Python :: 3.11" in metadata


@pytest.fixture(scope="module")
def served(installed: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``steadyflow serve`` run from the installed wheel, outside the checkout, with Node hidden from PATH."""
    data_dir = tmp_path_factory.mktemp("data")
    cwd = tmp_path_factory.mktemp("elsewhere")
    env = _clean_env()
    env["PATH"] = str(installed)  # no /usr/bin: no node, no npm
    env["STEADYFLOW_DATA_DIR"] = str(data_dir)
    steadyflow = str(installed / "steadyflow")
    version = _run([steadyflow, "--version"], env=env, cwd=cwd).stdout
    assert version.startswith("steadyflow ")
    _run(
        [steadyflow, "users", "add", ADMIN[0], "--role", "admin", "--password-stdin"],
        env=env,
        cwd=cwd,
        input=ADMIN[1] + "\n",
    )
    process = subprocess.Popen(
        [steadyflow, "serve", "--port", "0"],
        env=env,
        cwd=cwd,
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
    try:
        assert url is not None, "the installed steadyflow serve did not start"
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def _deploy(url: str, model: Path) -> None:
    boundary = "wheeltestboundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{model.name}"\r\n'
            "Content-Type: text/xml\r\n\r\n"
        ).encode()
        + model.read_bytes()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        url + "/api/v1/deployments",
        data=body,
        method="POST",
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Authorization": "Basic " + base64.b64encode(":".join(ADMIN).encode()).decode(),
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status in (200, 201)


def test_installed_wheel_renders_the_diagram_without_node(served: str, chromium: Browser) -> None:
    _deploy(served, EXAMPLES / "database-creation-c8.bpmn")
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.goto(served + "/login")
        page.fill("input[name=username]", ADMIN[0])
        page.fill("input[name=password]", ADMIN[1])
        page.click("button[type=submit]")
        page.wait_for_url(served + "/")
        page.goto(served + "/definitions/database-creation-c8")
        # bpmn-js draws each element as a group carrying its id; the start event proves the viewer ran.
        expect(page.locator("svg [data-element-id]").first).to_be_visible()
        assert page.locator("svg [data-element-id]").count() > 3
        screenshot(page, "wheel-installed-definition")
    finally:
        context.close()
