"""The HTTP side: a ThreadingHTTPServer on 127.0.0.1 in a background thread.

A thread, not the test's event loop: the bot's AsyncWebClient calls the fake from that
loop, so an in-loop server would deadlock on any synchronous wait.
"""

from __future__ import annotations

import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from .dispatch import Answer, Dispatcher


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a slow or dropped answer must not hold up stop()
    dispatcher: Dispatcher

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that gave up on a slow answer is the point of the exercise, not an error.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    # HTTP/1.0: one request per connection, so a dropped connection never poisons a pool.
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: object) -> None:
        pass  # the request log in Dispatcher is the record; stderr noise helps nobody

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        body = self._body()
        headers = {k.lower(): v for k, v in self.headers.items()}
        dispatcher = self.server.dispatcher
        if parts.path.startswith("/api/"):
            answer = dispatcher.api(parts.path[len("/api/") :], headers, parts.query, body)
        elif parts.path.startswith("/response/"):
            answer = dispatcher.response_url(parts.path[len("/response/") :], headers, body)
        elif parts.path.startswith("/upload/"):
            answer = dispatcher.upload(parts.path[len("/upload/") :], body)
        else:
            answer = Answer(404, b"not found", content_type="text/plain")
        self._send(answer)

    def _send(self, answer: Answer) -> None:
        if answer.delay:
            time.sleep(answer.delay)
        if answer.drop:
            self.close_connection = True
            return  # the socket closes with nothing written: the client sees a disconnect
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(answer.body)


class HttpServer:
    def __init__(self, dispatcher: Dispatcher, host: str = "127.0.0.1") -> None:
        self._dispatcher = dispatcher
        self._host = host
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the Slack fake is not running: call start()")
        return int(self._server.server_address[1])

    def start(self) -> None:
        if self._server is not None:
            return
        server = _Server((self._host, 0), _Handler)
        server.dispatcher = self._dispatcher
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
            name=f"slack-fake:{self.port}",
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None
