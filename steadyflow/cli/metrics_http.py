"""``GET /metrics`` for ``steadyflow worker --metrics-port``: a worker has no web UI, so a tiny server.

Same content and the same rule as the web UI's ``/metrics`` (``engine.metrics``):
without ``--metrics-public`` a scraper must send a user's token or password.
"""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from steadyflow.errors import SteadyflowError

log = logging.getLogger(__name__)


class MetricsServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], engine: Any, *, public: bool) -> None:
        from engine.accounts import Accounts

        super().__init__(address, _MetricsHandler)
        self.engine = engine
        self.accounts = Accounts(engine.db)
        self.public = public


class _MetricsHandler(BaseHTTPRequestHandler):
    server: MetricsServer

    def do_GET(self) -> None:
        from engine.metrics import CONTENT_TYPE, exposition, scrape_allowed

        if self.path.split("?", 1)[0] != "/metrics":
            self._answer(404, "only /metrics is served here\n")
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


def start_metrics_server(engine: Any, host: str, port: int, *, public: bool) -> MetricsServer:
    server = MetricsServer((host, port), engine, public=public)
    threading.Thread(target=server.serve_forever, name="steadyflow-metrics", daemon=True).start()
    print(f"metrics on http://{host}:{server.server_address[1]}/metrics", flush=True)
    return server
