"""An external-task worker made only of a real Camunda 7 client from PyPI, used unchanged by the tests.

Run as ``python external_worker.py CLIENT BASE_URL AUTH MODE WORKER_ID TOPICS``:
CLIENT is ``camunda`` (camunda-external-task-client-python3) or ``operaton``
(operaton-external-task-client-python3); AUTH is ``basic:USER:PASSWORD`` or
``bearer:TOKEN``; MODE is ``complete``, ``fail`` or ``bpmn-error``; TOPICS is a
comma-separated list. It polls until it is killed.
"""

from __future__ import annotations

import importlib
import logging
import sys
from typing import Any


def main() -> None:
    client, base_url, auth, mode, worker_id, topics = sys.argv[1:7]
    logging.basicConfig(level=logging.WARNING)
    module = importlib.import_module(f"{client}.external_task.external_task_worker")
    config: dict[str, Any] = {
        "maxTasks": 1,
        "lockDuration": 30_000,
        "asyncResponseTimeout": 5_000,  # long polling: the server holds the request until a task appears
        "sleepSeconds": 1,  # after an error; the default (300 s) would stall a test for minutes
    }
    kind, _, secret = auth.partition(":")
    if kind == "basic":
        username, _, password = secret.partition(":")
        config["auth_basic"] = {"username": username, "password": password}
    else:
        config["auth_bearer"] = {"access_token": secret}

    def handle(task: Any) -> Any:
        if mode == "complete":
            return task.complete({f"done_{task.get_activity_id()}": True, "completedBy": worker_id})
        if mode == "fail":
            # Camunda semantics: the worker decides the retries (fetched retries - 1, or max_retries at first).
            return task.failure(
                "database server unreachable", "ConnectionRefusedError", max_retries=2, retry_timeout=10
            )
        return task.bpmn_error("CARD_DECLINED", "the card was declined", {"declineReason": "insufficient funds"})

    worker = module.ExternalTaskWorker(worker_id=worker_id, base_url=base_url, config=config)
    worker.subscribe(topics.split(","), handle)


if __name__ == "__main__":
    main()
