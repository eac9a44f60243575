"""A TCP proxy that keeps every byte a client sends, so a test can read the HTTP requests as sent."""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass, field


@dataclass
class Request:
    method: str
    path: str
    headers: list[tuple[str, str]]
    """In the order sent, names lower-cased."""
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for n, v in self.headers if n == name.lower()), None)


@dataclass
class RecordingProxy:
    target_port: int
    port: int = 0
    _streams: list[bytearray] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=30)
            sent = bytearray()
            with self._lock:
                self._streams.append(sent)
            threading.Thread(target=_pump, args=(client, upstream, sent), daemon=True).start()
            threading.Thread(target=_pump, args=(upstream, client, None), daemon=True).start()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._listener.close()

    def requests(self) -> list[Request]:
        """Every request sent so far, connection by connection, in order."""
        with self._lock:
            streams = [bytes(s) for s in self._streams]
        found: list[Request] = []
        for stream in streams:
            found.extend(parse_requests(stream))
        return found


def _pump(source: socket.socket, sink: socket.socket, keep: bytearray | None) -> None:
    try:
        while chunk := source.recv(65536):
            if keep is not None:
                keep.extend(chunk)
            sink.sendall(chunk)
    except OSError:
        pass
    finally:
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def parse_requests(stream: bytes) -> list[Request]:
    """HTTP/1.1 requests in one connection's bytes (Content-Length or chunked bodies)."""
    requests: list[Request] = []
    at = 0
    while (end := stream.find(b"\r\n\r\n", at)) >= 0:
        head = stream[at:end].decode("latin-1").split("\r\n")
        method, path, _ = head[0].split(" ", 2)
        headers = [(n.strip().lower(), v.strip()) for n, _, v in (line.partition(":") for line in head[1:])]
        at = end + 4
        request = Request(method, path, headers, b"")
        if (request.header("transfer-encoding") or "").lower() == "chunked":
            body = bytearray()
            while True:
                line_end = stream.index(b"\r\n", at)
                size = int(stream[at:line_end].split(b";")[0], 16)
                at = line_end + 2
                body.extend(stream[at : at + size])
                at += size + 2
                if size == 0:
                    break
            request.body = bytes(body)
        else:
            length = int(request.header("content-length") or 0)
            request.body, at = stream[at : at + length], at + length
        requests.append(request)
    return requests
