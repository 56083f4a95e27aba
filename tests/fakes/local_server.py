"""What the fake servers share: an HTTP/1.1 server on 127.0.0.1:PORT in a background thread.

A fake subclasses ``LocalServer``, builds its ``LocalHTTPServer`` (or a subclass) in
``_make_server`` with a ``LocalHandler`` subclass, records what it receives with ``_record`` and
lets tests wait for it with ``_wait``. ``stop()`` closes every connection, idle keep-alive ones
too, and joins every thread, so a test leaves nothing running behind it.
"""

from __future__ import annotations

import contextlib
import json
import socket
import socketserver
import sys
import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Generic, Self, TypeVar
from urllib.parse import parse_qsl

R = TypeVar("R")  # what the fake records per request
T = TypeVar("T")


class LocalServer(Generic[R]):
    """Serve on 127.0.0.1 at an ephemeral port until stopped; record what was received."""

    name = "local-server"  # the serving thread is "<name>-<port>"

    def __init__(self) -> None:
        self._changed = threading.Condition()  # guards the records and the subclass's own state
        self._records: list[R] = []
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._server: LocalHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle

    def _make_server(self) -> LocalHTTPServer:
        """Return the bound server to run (e.g. ``LocalHTTPServer(self, _Handler)``)."""
        raise NotImplementedError

    def _stopped(self) -> None:
        """Clean up after ``stop()`` has joined every thread (nothing by default)."""

    def start(self) -> Self:
        """Bind an ephemeral port and serve in a background thread."""
        self._server = self._make_server()
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"{self.name}-{self.port}", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close every connection and join every thread."""
        if self._server is None:
            return
        self._stopping.set()  # wakes handlers in wait_unless_stopped
        self._server.shutdown()
        with self._changed:
            connections = list(self._connections)
        for sock in connections:
            # unblocks handlers waiting on an idle keep-alive connection. socket.socket.shutdown
            # also on a TLS socket: it does not tear down the SSL object under the handler's feet
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
        self._server.server_close()  # joins the handler threads
        self._thread.join()
        self._server = self._thread = None
        self._stopped()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    # what was received

    def _recorded(self) -> list[R]:
        """Return a copy of the records, in order of receipt."""
        with self._changed:
            return list(self._records)

    def _record(self, record: R) -> None:
        with self._changed:
            self._records.append(record)
            self._changed.notify_all()

    def _wait(self, select: Callable[[], list[T]], n: int, timeout: float,
              failure: Callable[[list[R]], str]) -> list[T]:
        """Wait until ``select()`` has ``n`` items; return it or raise TimeoutError(failure)."""
        # clients may run on other threads (Bolt's pool), so tests wait; no sleeping in a loop
        with self._changed:
            if not self._changed.wait_for(lambda: len(select()) >= n, timeout):
                raise TimeoutError(failure(list(self._records)))
        return select()

    def _track(self, sock: socket.socket, *, open_: bool) -> None:
        with self._changed:
            if open_:
                self._connections.add(sock)
            else:
                self._connections.discard(sock)


class LocalHTTPServer(ThreadingHTTPServer):
    """Serve ``handler`` on 127.0.0.1:0 for ``fake``; ``server_close()`` joins the handlers."""

    daemon_threads = False
    block_on_close = True  # server_close() joins the handler threads

    def __init__(self, fake: LocalServer, handler: type[LocalHandler]) -> None:
        self.fake = fake
        super().__init__(("127.0.0.1", 0), handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind would resolve the host name; nothing here needs it
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def finish_request(self, request: socket.socket, client_address: Any) -> None:
        self.fake._track(request, open_=True)
        try:
            super().finish_request(request, client_address)
        finally:
            self.fake._track(request, open_=False)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # clients that time out, get dropped or refuse a certificate end up here: expected
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class LocalHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive, quiet, with helpers to read, wait and answer."""

    protocol_version = "HTTP/1.1"
    timeout = 10
    server: LocalHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def read_body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def lower_headers(self) -> dict[str, str]:
        return {name.lower(): value for name, value in self.headers.items()}

    def wait_unless_stopped(self, seconds: float) -> bool:
        """Wait ``seconds``; if the fake stops meanwhile, close the connection and return True."""
        if self.server.fake._stopping.wait(seconds):
            self.close_connection = True
            return True
        return False

    def send_body(self, status: int, data: bytes, content_type: str,
                  headers: Mapping[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def parse_body(content_type: str, raw: bytes, default: Any = None) -> Any:
    """Return form fields as {name: value} (last value wins) or parsed JSON; ``default`` if the
    body is empty or does not parse."""
    if not raw:
        return default
    try:
        if content_type == "application/x-www-form-urlencoded":
            return dict(parse_qsl(raw.decode(), keep_blank_values=True))
        return json.loads(raw)
    except ValueError:
        return default
