"""A SPARQL 1.1 protocol endpoint on 127.0.0.1 for the tests: stdlib HTTP over an rdflib graph.

It answers GET `?query=`, form POST and `application/sparql-query` POST with JSON results (400 on a
query rdflib cannot run), and can be scripted to fail first: `fail=[(429, {"Retry-After": "0"})]`.
"""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import rdflib


class SparqlServer:
    """`with SparqlServer(graph) as srv:` serves `srv.url` (".../sparql"); `srv.requests` records each one."""

    def __init__(self, graph: rdflib.Graph, fail: list[tuple[int, dict[str, str]]] | None = None,
                 delay: float = 0.0):
        self.graph = graph
        self.fail = list(fail or [])
        self.delay = delay
        self.requests: list[tuple[float, str, dict[str, str], str]] = []  # (time, method, headers, query)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/sparql"

    def __enter__(self) -> SparqlServer:
        # a short poll interval: shutdown() waits up to one interval
        serve = self._server.serve_forever
        threading.Thread(target=serve, kwargs={"poll_interval": 0.01}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, method: str, headers: dict[str, str], query: str) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            self.requests.append((time.monotonic(), method, headers, query))
            failure = self.fail.pop(0) if self.fail else None
        if failure:
            return failure[0], failure[1], b"scripted failure"
        time.sleep(self.delay)
        try:
            body = self.graph.query(query).serialize(format="json")
        except Exception as e:  # rdflib's parse and evaluation errors: the protocol's 400
            return 400, {"Content-Type": "text/plain"}, f"bad query: {e}".encode()
        return 200, {"Content-Type": "application/sparql-results+json"}, body

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True  # else each keep-alive request stalls ~40 ms
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                self._reply(parse_qs(urlparse(self.path).query).get("query", [""])[0])

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length") or 0)).decode()
                if self.headers.get("content-type", "").startswith("application/sparql-query"):
                    self._reply(raw)
                else:
                    self._reply(parse_qs(raw).get("query", [""])[0])

            def _reply(self, query: str) -> None:
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, extra, body = server._answer(self.command, headers, query)
                try:
                    self.send_response(status)
                    for k, v in extra.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except BrokenPipeError:
                    pass

            def log_message(self, *args: object) -> None:
                pass

        return Handler
