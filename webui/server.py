"""The HTTP server of ``steadyflow serve``: the Flask app under waitress, plus first-start set-up."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from waitress.server import create_server

from engine.accounts import Accounts
from engine.engine import Engine
from engine.health import Scheduler
from webui import camunda8
from webui.app import create_app
from webui.engine_rest import release_long_polls

log = logging.getLogger(__name__)
HTTP_THREADS = 40
"""Live pages poll once a second; a thread per concurrent request keeps a few dozen viewers responsive.
Up to ``LONG_POLLS`` of the threads may hold external-task long polls; the rest stay for pages and APIs."""
LONG_POLLS = 24


def announce_first_admin(accounts: Accounts) -> None:
    """With no users at all, create ``admin`` and print its one-time password (once, never logged)."""
    password = accounts.bootstrap_admin()
    if password is not None:
        print(
            "\n  No users yet: created user 'admin' with the one-time password\n\n"
            f"      {password}\n\n"
            "  Log in with it and choose a new password; it is not shown again.\n"
            "  (Add more users with 'steadyflow users add NAME --role operator'.)\n",
            flush=True,
        )


def serve(
    engine: Engine,
    *,
    host: str,
    port: int,
    until: Callable[[], None],
    metrics_public: bool = False,
    c8_no_auth: bool = False,
    scheduler: Scheduler | None = None,
    **_: Any,
) -> None:
    """Serve until ``until()`` returns (SIGTERM/SIGINT), then close the listening socket."""
    accounts = Accounts(engine.db)
    announce_first_admin(accounts)
    app = create_app(
        engine,
        accounts=accounts,
        config={"ENGINE_REST_LONG_POLLS": LONG_POLLS, "METRICS_PUBLIC": metrics_public, "C8_NO_AUTH": c8_no_auth},
        scheduler=scheduler,
    )
    # A lookahead lets waitress notice a client that hung up during a long poll (see engine_rest.long_poll).
    server = create_server(
        app, host=host, port=port, threads=HTTP_THREADS, ident="steadyflow", channel_request_lookahead=1
    )
    thread = threading.Thread(target=server.run, name="steadyflow-http", daemon=True)
    thread.start()
    print(
        f"steadyflow serving on http://{host}:{server.effective_port} (health: /health, readiness: /ready)", flush=True
    )
    until()
    release_long_polls(app)
    camunda8.release_long_polls(app)
    server.close()
