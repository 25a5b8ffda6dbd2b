"""Assertion helpers for tests that call the fake through slack_sdk."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError


async def refused(call: Awaitable[Any], *, status: int = 200) -> dict[str, Any]:
    """The JSON body of the SlackApiError `call` raises (Slack refuses with HTTP 200)."""
    with pytest.raises(SlackApiError) as info:
        await call
    assert info.value.response.status_code == status
    return dict(info.value.response.data)
