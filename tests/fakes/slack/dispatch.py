"""One HTTP request in, one Answer out: auth, injected faults, rate limits, the method, the log.

Kept free of sockets so the order of checks reads top to bottom in `api`.
"""

from __future__ import annotations

import json
import threading
import traceback
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from typing import Any

from . import response_urls
from .args import Args, merge_args, readable
from .errors import SlackError
from .faults import Fault, Faults
from .limits import RateLimiter
from .methods import REGISTRY, files
from .state import State


@dataclass(frozen=True)
class CallRecord:
    method: str
    args: dict[str, Any]
    status: int  # HTTP status; 0 when the connection was dropped
    ok: bool
    error: str | None
    time: datetime
    response: dict[str, Any] | None = None


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False
    delay: float = (
        0.0  # the answer (not the work) is late: a timed-out call may still have happened
    )


def json_answer(status: int, body: dict[str, Any], **headers: str) -> Answer:
    return Answer(status, json.dumps(body).encode(), headers=dict(headers))


def html_answer(status: int) -> Answer:
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Error"
    page = f"<html><head><title>{status}</title></head><body><h1>{reason}</h1></body></html>"
    return Answer(status, page.encode(), content_type="text/html; charset=utf-8")


def bearer(headers: dict[str, str]) -> str | None:
    value = headers.get("authorization", "")
    return value[7:].strip() if value.lower().startswith("bearer ") else None


class Dispatcher:
    def __init__(self, state: State, limiter: RateLimiter, faults: Faults) -> None:
        self.state = state
        self.limiter = limiter
        self.faults = faults
        self.calls: list[CallRecord] = []
        self.crashes: list[str] = []  # tracebacks of bugs in the fake itself
        self._log_lock = threading.Lock()

    def clear_calls(self) -> None:
        with self._log_lock:
            self.calls.clear()

    def _log(self, method: str, args: dict[str, Any], answer: Answer, body: Any) -> Answer:
        response = body if isinstance(body, dict) else None
        ok = bool(response and response.get("ok"))
        error = None if ok else (response or {}).get("error") or f"http_{answer.status}"
        if answer.drop:
            error = "connection_dropped"
        record = CallRecord(
            method,
            readable(args),
            0 if answer.drop else answer.status,
            ok,
            error,
            self.state.now(),
            response,
        )
        with self._log_lock:
            self.calls.append(record)
        return answer

    def api(self, method: str, headers: dict[str, str], query: str, body: bytes) -> Answer:
        try:
            args = merge_args(query, headers.get("content-type", ""), body)
        except SlackError as exc:
            return self._log(method, {}, json_answer(200, exc.body()), exc.body())
        token = bearer(headers) or (str(args["token"]) if args.get("token") else None)

        outage = self.faults.outage
        if outage is not None:
            return self._log(
                method, args, Answer(drop=True) if outage.drop else html_answer(outage.status), None
            )
        fault = self.faults.take(method, token)
        if fault is not None and (fault.drop or fault.status or fault.error):
            answer, result = self._injected(fault)
        else:
            answer, result = self._run(method, args, token)
        answer.delay = fault.delay if fault else 0.0
        return self._log(method, args, answer, result)

    @staticmethod
    def _injected(fault: Fault) -> tuple[Answer, dict[str, Any] | None]:
        if fault.drop:
            return Answer(drop=True), None
        if fault.status:
            return html_answer(fault.status), None
        refused = {"ok": False, "error": fault.error}
        return json_answer(200, refused), refused

    def _run(
        self, method: str, args: dict[str, Any], token: str | None
    ) -> tuple[Answer, dict[str, Any]]:
        config = self.state.config
        func = REGISTRY.get(method)
        refusal = (
            "unknown_method"
            if func is None
            else "not_authed"
            if token is None
            else "invalid_auth"
            if token != config.bot_token
            else None
        )
        if refusal is not None or func is None:
            refused = {"ok": False, "error": refusal}
            return json_answer(200, refused), refused
        headers = {"x-slack-req-id": self.state.new_id("req", 10).lower()}
        headers["x-oauth-scopes"] = config.granted_scopes()
        with self.state.lock:
            channel = args.get("channel")
            wait = self.limiter.check(method, str(channel) if channel else None, self.state.now())
            if wait is not None:
                result: dict[str, Any] = {"ok": False, "error": "ratelimited"}
                return json_answer(429, result, **headers, **{"Retry-After": str(wait)}), result
            try:
                result = {"ok": True, **func(self.state, Args(args))}
            except SlackError as exc:
                result = exc.body()
            except Exception:
                # A bug in the fake must not look like Slack behaviour: 500 and keep the trace.
                self.crashes.append(traceback.format_exc())
                result = {"ok": False, "error": "fake_crashed"}
                return json_answer(500, result), result
        return json_answer(200, result, **headers), result

    def upload(self, file_id: str, body: bytes) -> Answer:
        """The bytes of an external upload (files.getUploadURLExternal's upload_url)."""
        with self.state.lock:
            status, text = files.receive(self.state, file_id, body)
        return Answer(status, text.encode(), content_type="text/plain; charset=utf-8")

    def response_url(self, token: str, headers: dict[str, str], body: bytes) -> Answer:
        with self.state.lock:
            status, result = response_urls.answer(
                self.state, token, body, headers.get("content-type", "")
            )
        return json_answer(status, result)
