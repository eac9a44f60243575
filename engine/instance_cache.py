"""Recently used live workflows, trusted only while their row version matches."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from engine.spiff.checkpoint import Persisted


@dataclass
class LiveInstance:
    """A deserialized workflow plus what this process knows the database holds for it."""

    workflow: Any
    persisted: Persisted
    version: int


class InstanceCache:
    def __init__(self, capacity: int = 512) -> None:
        self.capacity = capacity
        self._items: OrderedDict[str, LiveInstance] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def take(self, instance_id: str, version: int) -> LiveInstance | None:
        """Remove and return the entry if it is at ``version`` (the caller owns it during a step)."""
        with self._lock:
            live = self._items.pop(instance_id, None)
            if live is not None and live.version == version:
                self.hits += 1
                return live
            self.misses += 1
            return None

    def put(self, instance_id: str, live: LiveInstance) -> None:
        with self._lock:
            self._items[instance_id] = live
            self._items.move_to_end(instance_id)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def __contains__(self, instance_id: object) -> bool:
        with self._lock:
            return instance_id in self._items

    def evict(self, instance_id: str) -> None:
        with self._lock:
            self._items.pop(instance_id, None)
