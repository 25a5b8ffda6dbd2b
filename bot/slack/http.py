"""The `/slack/events` route: convert a FastAPI request into a Bolt request and back.

One deviation from slack-bolt's own adapter: Bolt's body parser treats any form body that
merely contains the word "payload" as an interactivity payload, so `/cre declare payload
service down` would parse to nothing and be answered 404. We parse the body ourselves and
give Bolt the right dict; signature verification still runs on the raw bytes.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from slack_bolt.adapter.starlette.async_handler import to_starlette_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest


def parse_slack_body(raw: str, content_type: str | None) -> dict[str, Any]:
    """Events are JSON; commands are form fields; interactivity is one form field `payload`."""
    if not raw:
        return {}
    if (content_type or "").startswith("application/json") or raw.lstrip().startswith("{"):
        parsed = json.loads(raw)
        return parsed if isinstance(parsed, dict) else {}
    fields = dict(parse_qsl(raw, keep_blank_values=True))
    if "payload" in fields and "command" not in fields:
        payload = json.loads(fields["payload"])
        return payload if isinstance(payload, dict) else {}
    return fields


def to_bolt_request(raw: str, request: Request) -> AsyncBoltRequest:
    bolt_request = AsyncBoltRequest(
        body=raw,
        query=request.query_params,  # type: ignore[arg-type]
        headers=request.headers,  # type: ignore[arg-type]
    )
    body = parse_slack_body(raw, bolt_request.content_type)
    if body != bolt_request.body:
        bolt_request.body = body
        bolt_request.context = build_async_context(AsyncBoltContext({}), body)
    return bolt_request


async def handle_slack_request(app: AsyncApp, request: Request) -> Response:
    raw_bytes = await request.body()
    try:
        raw = raw_bytes.decode("utf-8")
        bolt_request = to_bolt_request(raw, request)
    except (UnicodeDecodeError, ValueError):
        # Not something Slack sends; answer plainly rather than with a stack trace.
        return JSONResponse({"error": "body is not a Slack request"}, status_code=400)
    bolt_response = await app.async_dispatch(bolt_request)
    return to_starlette_response(bolt_response)
