"""Where the browser libraries of the UI (bpmn-js, and whatever else ``webui/package.json`` pins) come from.

In a source checkout ``npm ci`` installs them into ``webui/node_modules``; a built
distribution carries their ``dist/`` folders in ``webui/vendor/<package>/``
(copied there by ``setup.py`` at build time), so an installed wheel needs no Node.
The UI serves either under ``/vendor/<package>/...``; only packages named in
``package.json`` are served, so no other file of the tree is reachable.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
NODE_MODULES = HERE / "node_modules"
VENDOR = HERE / "vendor"


@cache
def pinned_packages() -> tuple[str, ...]:
    """The npm packages the UI pins (``dependencies`` of ``webui/package.json``)."""
    manifest = json.loads((HERE / "package.json").read_text(encoding="utf-8"))
    return tuple(sorted(manifest.get("dependencies", {})))


def asset_root(package: str) -> Path | None:
    """The folder a pinned package's browser files are served from, or None when it is not installed."""
    if package not in pinned_packages():
        return None
    for root in (NODE_MODULES / package / "dist", VENDOR / package):
        if root.is_dir():
            return root
    return None


def has_asset(package: str, relative: str) -> bool:
    root = asset_root(package)
    return root is not None and (root / relative).is_file()


__all__ = ["asset_root", "has_asset", "pinned_packages"]
