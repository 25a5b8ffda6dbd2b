"""How the outbox treats a failed Slack call: wait, retry with backoff, or give up."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import aiohttp
from slack_sdk.errors import SlackApiError

from bot.errors import CrebotError
from bot.outbox.worker import GiveUp, Retry

# Codes that say "Slack is having trouble", not "your request is wrong".
TRANSIENT = frozenset(
    {
        "ratelimited",
        "rate_limited",
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
        "team_added_to_org",
    }
)
# Codes that no retry will fix; anything else is retried a bounded number of times.
PERMANENT = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "missing_scope",
        "invalid_blocks",
        "invalid_blocks_format",
        "invalid_arguments",
        "msg_too_long",
        "no_text",
        "is_archived",
        "cant_invite_self",
        "restricted_action",
        "method_not_supported_for_channel_type",
    }
)


def slack_error_code(exc: BaseException) -> str | None:
    if isinstance(exc, SlackApiError):
        try:
            return str(exc.response.get("error") or "") or None
        except Exception:  # a 5xx HTML body has no JSON
            return None
    return None


def classify(exc: BaseException) -> Retry | GiveUp:
    if isinstance(exc, SlackApiError):
        status = exc.response.status_code
        code = slack_error_code(exc)
        if status == 429:
            raw = exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after")
            try:
                after = max(1, int(str(raw)))
            except (TypeError, ValueError):
                after = 1
            return Retry(timedelta(seconds=after), f"rate limited for {after}s", counts=False)
        if code in PERMANENT:
            return GiveUp(f"Slack refused: {code}")
        return Retry(reason=f"Slack error {status}: {code}")
    if isinstance(exc, aiohttp.ClientError | asyncio.TimeoutError | ConnectionError):
        return Retry(reason=f"cannot reach Slack: {type(exc).__name__}: {exc}")
    if isinstance(exc, CrebotError):
        return GiveUp(str(exc))
    return Retry(reason=f"{type(exc).__name__}: {exc}")
