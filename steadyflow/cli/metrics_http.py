"""``GET /metrics``, ``/health`` and ``/ready`` for ``steadyflow worker --metrics-port``: a worker has no web UI.

Same content and the same rules as the web UI's: without ``--metrics-public`` a
scraper must send a user's token or password; ``/health`` and ``/ready`` (the
probes of a worker pod) need none and answer as ``serve``'s do.
"""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from steadyflow.errors import SteadyflowError

log = logging.getLogger(__name__)


class MetricsServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], engine: Any, *, public: bool, scheduler: Any = None) -> None:
        from engine.accounts import Accounts

        super().__init__(address, _MetricsHandler)
        self.engine = engine
        self.accounts = Accounts(engine.db)
        self.public = public
        self.scheduler = scheduler


class _MetricsHandler(BaseHTTPRequestHandler):
    server: MetricsServer

    def do_GET(self) -> None:
        from engine.metrics import CONTENT_TYPE, exposition, scrape_allowed

        path = self.path.split("?", 1)[0]
        if path in ("/health", "/ready"):
            self._probe(path)
            return
        if path != "/metrics":
            self._answer(404, "only /metrics, /health and /ready are served here\n")
            return
        try:
            if not scrape_allowed(self.server.accounts, self.headers.get("Authorization"), public=self.server.public):
                self._answer(401, "metrics need credentials: 'Authorization: Bearer <token>' or --metrics-public\n")
                return
            body = exposition(self.server.engine.steps.metrics, self.server.engine.db)
        except SteadyflowError as exc:
            self._answer(503, f"metrics unavailable: {exc}\n")
            return
        self._answer(200, body, CONTENT_TYPE)

    def _probe(self, path: str) -> None:
        if path == "/health":
            self._answer(200, json.dumps({"status": "ok"}), "application/json")
            return
        from engine.health import readiness

        state = readiness(self.server.engine.db, self.server.scheduler)
        self._answer(200 if state.ready else 503, json.dumps(state.as_json()), "application/json")

    def _answer(self, status: int, body: str, content_type: str = "text/plain; charset=utf-8") -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        if status == 401:
            self.send_header("WWW-Authenticate", 'Bearer realm="steadyflow metrics"')
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("metrics request: " + format, *args)


def start_metrics_server(engine: Any, host: str, port: int, *, public: bool, scheduler: Any = None) -> MetricsServer:
    server = MetricsServer((host, port), engine, public=public, scheduler=scheduler)
    threading.Thread(target=server.serve_forever, name="steadyflow-metrics", daemon=True).start()
    print(f"metrics on http://{host}:{server.server_address[1]}/metrics", flush=True)
    return server
