"""The objects a /v2 request works with, bound to the app by ``init_app``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

from flask import current_app

from engine.c8_keys import C8Keys
from engine.engine import Engine
from engine.rest_queries import RestQueries
from engine.store.records import DefinitionRecord
from webui.engine_rest.long_poll import LongPolls

EXTENSION = "steadyflow.camunda8"
TENANT = "<default>"
"""Camunda's default tenant: steadyflow has exactly one."""


@dataclass
class C8Context:
    engine: Engine
    queries: RestQueries
    keys: C8Keys
    long_polls: LongPolls
    _definitions: dict[str, DefinitionRecord] = field(default_factory=dict)

    def definition(self, definition_id: str) -> DefinitionRecord:
        """A definition by id; cached, since a deployed definition never changes."""
        found = self._definitions.get(definition_id)
        if found is None:
            found = self.queries.definition(definition_id)
            self._definitions[definition_id] = found
        return found


def c8() -> C8Context:
    return cast(C8Context, current_app.extensions[EXTENSION])
