"""Build hook: the wheel (and the sdist) carry the UI's browser libraries, so an installed steadyflow needs no Node.

For every package pinned in ``webui/package.json`` the ``dist/`` folder that
``npm ci`` installed into ``webui/node_modules`` is copied into
``webui/vendor/<package>/`` (minus the unminified development builds), with the
package's licence. A build from an sdist finds them already in ``webui/vendor``.
Everything else about the distribution is declared in ``pyproject.toml``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

ROOT = Path(__file__).resolve().parent
WEBUI = ROOT / "webui"
SKIPPED = ("*.development.js", "*.map")


def _pinned() -> list[str]:
    return sorted(json.loads((WEBUI / "package.json").read_text(encoding="utf-8")).get("dependencies", {}))


def _copy_vendor(target: Path) -> None:
    """Copy each pinned package's browser files into ``target/<package>``; refuse to build without them."""
    for package in _pinned():
        installed = WEBUI / "node_modules" / package
        bundled = WEBUI / "vendor" / package
        if (installed / "dist").is_dir():
            destination = target / package
            if destination.exists():
                shutil.rmtree(destination)
            shutil.copytree(installed / "dist", destination, ignore=shutil.ignore_patterns(*SKIPPED))
            for licence in ("LICENSE", "LICENSE.md", "LICENSE.txt"):
                if (installed / licence).is_file():
                    shutil.copy2(installed / licence, destination / licence)
        elif bundled.is_dir():
            if bundled.resolve() != (target / package).resolve():
                shutil.copytree(bundled, target / package, dirs_exist_ok=True)
        else:
            raise SystemExit(
                f"cannot build steadyflow: the UI library {package!r} is missing; run 'npm ci' in webui/ first "
                "(the wheel carries the diagram viewer so that installed copies need no Node)"
            )


class BuildPyWithVendor(build_py):
    def run(self) -> None:
        super().run()
        # An editable install serves webui/node_modules from the source tree itself.
        if not getattr(self, "editable_mode", False):
            _copy_vendor(Path(self.build_lib) / "webui" / "vendor")


class SdistWithVendor(sdist):
    def make_release_tree(self, base_dir: str, files: list[str]) -> None:
        super().make_release_tree(base_dir, files)
        _copy_vendor(Path(base_dir) / "webui" / "vendor")


setup(cmdclass={"build_py": BuildPyWithVendor, "sdist": SdistWithVendor})
