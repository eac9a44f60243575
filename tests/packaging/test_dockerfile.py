"""The Dockerfile would get a valid build context: it parses, what it copies exists, and it runs our command.

No Docker engine runs on these machines, so the image is not built here; these
checks catch what breaks a build or an image without one.
"""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

import dockerfile

from tests.conftest import ROOT

DOCKERFILE = ROOT / "Dockerfile"


def commands() -> list[dockerfile.Command]:
    return list(dockerfile.parse_file(str(DOCKERFILE)))


def stages() -> dict[str, list[dockerfile.Command]]:
    found: dict[str, list[dockerfile.Command]] = {}
    current = ""
    for command in commands():
        if command.cmd == "FROM":
            current = command.value[-1] if "AS" in [v.upper() for v in command.value] else command.value[0]
            found[current] = []
        found[current].append(command)
    return found


def ignored_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def is_ignored(relative: str) -> bool:
    return any(fnmatch.fnmatch(relative, p) or relative.startswith(p.rstrip("/") + "/") for p in ignored_patterns())


def test_the_build_is_multi_stage_and_the_runtime_holds_only_the_wheel() -> None:
    built = stages()
    assert list(built) == ["assets", "wheel", "runtime"]
    runtime = built["runtime"]
    copies = [c for c in runtime if c.cmd == "COPY"]
    assert any(flag == "--from=wheel" for c in copies for flag in c.flags), "the runtime installs the built wheel"
    sources = [c.value[0] for c in copies if not any(f.startswith("--from") for f in c.flags)]
    assert sources == ["examples/"], "nothing but the examples comes from the source tree into the runtime image"
    installs = [c.value[0] for c in runtime if c.cmd == "RUN" and "pip install" in c.value[0]]
    assert installs and all(".whl" in line for line in installs)


def test_every_copied_source_exists_in_the_build_context() -> None:
    for command in commands():
        if command.cmd != "COPY" or any(f.startswith("--from") for f in command.flags):
            continue
        for source in command.value[:-1]:
            path = ROOT / source
            assert path.exists(), f"line {command.start_line}: COPY {source}: not in the repository"
            if source != ".":
                assert not is_ignored(source.rstrip("/")), f"line {command.start_line}: {source} is in .dockerignore"


def test_the_context_carries_what_the_wheel_is_built_from_and_not_local_state() -> None:
    for needed in ("pyproject.toml", "setup.py", "README.md", "LICENSE", "steadyflow", "engine", "webui"):
        assert (ROOT / needed).exists() and not is_ignored(needed), needed
    for local in (".venv", "webui/node_modules", "var", ".git"):
        assert is_ignored(local), f"{local} would be sent to the Docker daemon"


def test_the_image_runs_the_installed_console_script_as_a_non_root_user() -> None:
    runtime = stages()["runtime"]
    (entrypoint,) = [c for c in runtime if c.cmd == "ENTRYPOINT"]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert entrypoint.json and list(entrypoint.value) == ["steadyflow"]
    assert "steadyflow" in scripts
    (cmd,) = [c for c in runtime if c.cmd == "CMD"]
    assert cmd.value[0] == "serve"
    (user,) = [c for c in runtime if c.cmd == "USER"]
    assert user.value[0].split(":")[0] not in ("0", "root")
    (health,) = [c for c in runtime if c.cmd == "HEALTHCHECK"]
    assert "/health" in health.original


def test_compose_runs_serve_and_two_workers_on_postgresql() -> None:
    import yaml

    compose = yaml.safe_load(Path(ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert services["serve"]["command"][0] == "serve"
    assert services["worker"]["command"][0] == "worker"
    assert services["worker"]["deploy"]["replicas"] == 2
    assert services["migrate"]["command"] == ["db", "upgrade"]
    for name in ("serve", "worker"):
        assert services[name]["environment"]["STEADYFLOW_DB"].startswith("postgresql")
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
