"""A small fault-injecting HTTP proxy for storage tests: forwards to the moto S3 server, except where a rule
says to fail. Bounded: it listens on 127.0.0.1 only, serves until ``stop()``, and every socket has a timeout.

Faults (``Rule.fault``):

* ``reset``      - the connection is reset (RST) before any response;
* ``500``        - ``500 InternalError`` (S3's XML error body);
* ``503``        - ``503 SlowDown`` (S3 throttling);
* ``403``        - ``403 AccessDenied``; ``404`` - ``404 NoSuchKey`` (client errors: never retried);
* ``latency``    - the response comes after ``Rule.delay`` seconds;
* ``cut``        - the response headers promise the whole body, half of it is sent, then the connection closes;
* ``put_reset``  - half of the request body is read, then the connection is reset.

A rule matches a method (``*``: any) and a substring of the path, ``times`` times (``None``: persistently); ``hits``
counts the requests it matched, so a test can check the retry budget.
"""

from __future__ import annotations

import http.client
import socket
import socketserver
import struct
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

_SOCKET_TIMEOUT = 30.0

_S3_ERRORS = {
    "500": (
        500,
        "Internal Server Error",
        "InternalError",
        "We encountered an internal error. Please try again.",
    ),
    "503": (503, "Slow Down", "SlowDown", "Please reduce your request rate."),
    "403": (403, "Forbidden", "AccessDenied", "Access Denied"),
    "404": (404, "Not Found", "NoSuchKey", "The specified key does not exist."),
}


@dataclass
class Rule:
    method: str
    path_contains: str
    fault: str
    times: int | None = 1  # None: every matching request
    delay: float = 0.0
    hits: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def take(self, method: str, path: str) -> bool:
        if self.method not in ("*", method) or self.path_contains not in path:
            return False
        with self.lock:
            if self.times is not None and self.hits >= self.times:
                return False  # spent: passed through, not counted
            self.hits += 1
            return True


class FaultProxy:
    def __init__(self, upstream: str, rules: list[Rule] | None = None) -> None:
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self.rules = list(rules or [])
        self.requests: list[tuple[str, str]] = []
        proxy = self

        class Handler(socketserver.StreamRequestHandler):
            timeout = _SOCKET_TIMEOUT

            def handle(self) -> None:
                while proxy._serve_one(self.connection, self.rfile):
                    pass

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a client that went away (or a connection we reset on purpose)

        self._server = Server(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fault-proxy", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------------------------------ serving
    def _serve_one(self, conn: socket.socket, rfile: object) -> bool:
        import io

        assert isinstance(rfile, io.BufferedIOBase)
        line = rfile.readline(65537)
        if not line:
            return False
        method, path, _version = line.decode("latin-1").rstrip("\r\n").split(" ", 2)
        headers: list[tuple[str, str]] = []
        while True:
            h = rfile.readline(65537).decode("latin-1").rstrip("\r\n")
            if not h:
                break
            name, _, value = h.partition(":")
            headers.append((name.strip(), value.strip()))
        lower = {k.lower(): v for k, v in headers}
        self.requests.append((method, path))
        rule = next((r for r in self.rules if r.take(method, path)), None)
        fault = rule.fault if rule is not None else None

        if fault == "reset":
            _reset(conn)
            return False
        if lower.get("expect", "").lower() == "100-continue":
            conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        length = int(lower.get("content-length", "0") or 0)
        chunked = "chunked" in lower.get("transfer-encoding", "").lower()
        if fault == "put_reset":
            rfile.read(max(1, length // 2)) if length else rfile.readline()
            _reset(conn)
            return False
        body = _read_chunked(rfile) if chunked else (rfile.read(length) if length else b"")
        if fault in _S3_ERRORS:
            status, reason, code, message = _S3_ERRORS[fault]
            xml = (
                f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message>'
                f"<RequestId>fault-proxy</RequestId></Error>"
            ).encode()
            head = f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/xml\r\nContent-Length: {len(xml)}\r\n\r\n"
            conn.sendall(head.encode() + (b"" if method == "HEAD" else xml))
            return True
        if fault == "latency" and rule is not None:
            time.sleep(rule.delay)

        upstream = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=_SOCKET_TIMEOUT)
        try:
            send_headers = {k: v for k, v in headers if k.lower() not in ("transfer-encoding", "expect")}
            if chunked:
                send_headers["Content-Length"] = str(len(body))
            upstream.request(
                method, path, body=body if body or method in ("PUT", "POST") else None, headers=send_headers
            )
            resp = upstream.getresponse()
            data = resp.read()
            out = [f"HTTP/1.1 {resp.status} {resp.reason}"]
            for k, v in resp.getheaders():
                if k.lower() in ("transfer-encoding", "connection", "content-length"):
                    continue
                out.append(f"{k}: {v}")
            declared = resp.getheader("Content-Length") if method == "HEAD" else str(len(data))
            if declared is not None:
                out.append(f"Content-Length: {declared}")
            head = ("\r\n".join(out) + "\r\n\r\n").encode("latin-1")
        finally:
            upstream.close()
        if method == "HEAD":
            conn.sendall(head)
            return True
        if fault == "cut":
            conn.sendall(head + data[: len(data) // 2])
            conn.close()
            return False
        conn.sendall(head + data)
        return True


def _read_chunked(rfile: object) -> bytes:
    import io

    assert isinstance(rfile, io.BufferedIOBase)
    out = bytearray()
    while True:
        size = int(rfile.readline().split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while rfile.readline() not in (b"\r\n", b"\n", b""):
                pass
            return bytes(out)
        out += rfile.read(size)
        rfile.readline()


def _reset(conn: socket.socket) -> None:
    """Close with RST (SO_LINGER 0), as a dropped connection looks to the client."""
    try:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    finally:
        conn.close()
