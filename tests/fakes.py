"""A stdlib fake HTTP server on 127.0.0.1 for real clients in tests: scripted answers, every request recorded.

`FakeServer(respond)` calls `respond(request)` on the server's own thread for every request; it returns
`(status, headers, body)` (a dict body is sent as JSON) or `DROP` to close the connection unanswered.
`FakeServer([...])` instead pops scripted responses in order. The tests' clients are async; the
server runs in a thread, so both sides make progress.
"""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DROP = "drop"


@dataclass(frozen=True)
class Request:
    """One request as the server saw it."""

    t: float
    """time.monotonic() on arrival."""
    method: str
    path: str
    headers: dict[str, str]
    """Header names lowercased (clients differ in case)."""
    body: Any
    """The decoded JSON body, or None."""


Response = tuple[int, dict[str, str], Any] | str
Responder = Callable[[Request], Response]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default listen backlog of 5 refuses bursts of new connections


class FakeServer:
    """`with FakeServer(respond) as srv:` serves on `srv.url` (http://127.0.0.1:<port>) within the block."""

    def __init__(self, respond: Responder | list[Response]):
        if isinstance(respond, list):
            script = list(respond)
            respond = lambda request: script.pop(0)  # noqa: E731
        self.respond = respond
        self.requests: list[Request] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeServer:
        # poll_interval: shutdown() waits up to one interval; the default 0.5 s would slow every test
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.01},
                         daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True  # else each keep-alive request stalls ~40 ms (Nagle + delayed ACK)
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                try:
                    body = json.loads(raw) if raw else None
                except json.JSONDecodeError:
                    body = None
                request = Request(time.monotonic(), self.command, self.path,
                                  {k.lower(): v for k, v in self.headers.items()}, body)
                with server._lock:
                    server.requests.append(request)
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    try:
                        response = server.respond(request)
                    except Exception as e:  # a broken policy fails the test visibly, not as a dropped socket
                        response = 500, {"x-should-retry": "false"}, {"type": "error", "error": {
                            "type": "fake_server_error", "message": f"{type(e).__name__}: {e}"}}
                    self._send(response)
                finally:
                    with server._lock:
                        server.in_flight -= 1

            do_GET = do_POST

            def _send(self, response: Response) -> None:
                if response == DROP:
                    self.close_connection = True
                    return
                status, headers, body = response
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                try:
                    self.send_response(status)
                    for name, value in {"content-type": "application/json", **headers}.items():
                        self.send_header(name, value)
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: object) -> None:
                pass

        return Handler


# -- fake model APIs: the model's moves come from a policy, the wire format from the real APIs ----------

Move = list[tuple[str, Any]] | str
"""A model turn: tool calls as (name, input), or a text reply that calls no tool."""
Policy = Callable[[int, list[tuple[str, bool]]], Move]
"""policy(turn, results): turn counts from 1; results are the (text, is_error) tool results just sent."""

USAGE = {"input": 100, "output": 10, "cache_creation": 0, "cache_read": 0}


def messages_api(policy: Policy, usage: dict[str, int] = USAGE, delay: float = 0.0) -> Responder:
    """A fake Anthropic Messages API (`POST /v1/messages`)."""
    def respond(request: Request) -> Response:
        messages = request.body["messages"]
        turn = 1 + sum(m["role"] == "assistant" for m in messages)
        last = messages[-1]["content"]
        results = [(b["content"], b.get("is_error", False)) for b in last
                   if isinstance(last, list) and b.get("type") == "tool_result"]
        move = policy(turn, results)
        time.sleep(delay)
        if isinstance(move, str):
            content, stop = [{"type": "text", "text": move}], "end_turn"
        else:
            content = [{"type": "tool_use", "id": f"toolu_{turn}_{i}", "name": name, "input": args}
                       for i, (name, args) in enumerate(move)]
            stop = "tool_use"
        return 200, {"request-id": f"req_{turn}"}, {
            "id": f"msg_{turn}", "type": "message", "role": "assistant", "model": request.body["model"],
            "content": content, "stop_reason": stop, "stop_sequence": None,
            "usage": {"input_tokens": usage["input"], "output_tokens": usage["output"],
                      "cache_creation_input_tokens": usage["cache_creation"],
                      "cache_read_input_tokens": usage["cache_read"]}}
    return respond


def chat_api(policy: Policy, usage: dict[str, int] = USAGE, delay: float = 0.0) -> Responder:
    """A fake OpenAI-compatible chat-completions API (`POST /v1/chat/completions`)."""
    def respond(request: Request) -> Response:
        messages = request.body["messages"]
        turn = 1 + sum(m["role"] == "assistant" for m in messages)
        results = []
        for m in reversed(messages):
            if m["role"] != "tool":
                break
            results.insert(0, (m["content"], m["content"].startswith("Error:")))
        move = policy(turn, results)
        time.sleep(delay)
        if isinstance(move, str):
            message, finish = {"role": "assistant", "content": move}, "stop"
        else:
            calls = [{"id": f"call_{turn}_{i}", "type": "function", "function": {
                "name": name, "arguments": args if isinstance(args, str) else json.dumps(args)}}
                for i, (name, args) in enumerate(move)]
            # refusal and annotations: response-only fields, which a client must not send back
            message = {"role": "assistant", "content": None, "refusal": None, "annotations": [],
                       "tool_calls": calls}
            finish = "tool_calls"
        tokens = {"prompt_tokens": usage["input"] + usage["cache_read"], "completion_tokens": usage["output"],
                  "total_tokens": usage["input"] + usage["cache_read"] + usage["output"],
                  "prompt_tokens_details": {"cached_tokens": usage["cache_read"]}}
        head = {"id": f"chatcmpl-{turn}", "created": 1700000000, "model": request.body["model"]}
        if request.body.get("stream"):
            return 200, {"content-type": "text/event-stream"}, _sse(head, message, finish, tokens)
        return 200, {}, {**head, "object": "chat.completion",
                         "choices": [{"index": 0, "finish_reason": finish, "message": message}],
                         "usage": tokens}
    return respond


def _sse(head: dict[str, Any], message: dict[str, Any], finish: str, usage: dict[str, Any]) -> bytes:
    """The same reply as server-sent chunks, as a streaming chat-completions request gets it."""
    delta: dict[str, Any] = {"role": "assistant", "content": message.get("content")}
    if message.get("tool_calls"):
        delta["tool_calls"] = [{"index": i, **c} for i, c in enumerate(message["tool_calls"])]
    chunk = {**head, "object": "chat.completion.chunk"}
    events = [{**chunk, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]},
              {**chunk, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]},
              {**chunk, "choices": [], "usage": usage}]
    return "".join(f"data: {json.dumps(e)}\n\n" for e in events).encode() + b"data: [DONE]\n\n"


def failing_first(responses: list[Response], then: Responder) -> Responder:
    """Serve `responses` (errors, DROP) to the first requests, then hand every request to `then`."""
    pending = list(responses)
    lock = threading.Lock()

    def respond(request: Request) -> Response:
        with lock:
            if pending:
                return pending.pop(0)
        return then(request)
    return respond
