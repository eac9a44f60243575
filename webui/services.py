"""The engine-side objects a request works with, bound to the Flask app by ``create_app``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from flask import current_app

from engine.accounts import Accounts
from engine.engine import Engine
from engine.queries import Queries
from engine.tasklist import Tasklist


@dataclass(frozen=True)
class Services:
    engine: Engine
    queries: Queries
    tasklist: Tasklist
    accounts: Accounts


def services() -> Services:
    return cast(Services, current_app.extensions["steadyflow"])
