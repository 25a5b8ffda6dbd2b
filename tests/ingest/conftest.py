"""Fixtures for the webhook adapter tests: the stored payloads and a delivery helper."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.ingest.alert import ParsedBatch
from bot.ingest.parse import parse_delivery

PAYLOADS = Path(__file__).parent / "payloads"


def read_payload(name: str) -> dict[str, Any]:
    return json.loads((PAYLOADS / name).read_text(encoding="utf-8"))


@pytest.fixture
def load() -> Callable[[str], dict[str, Any]]:
    """A fresh copy of a stored payload, safe to modify in the test."""
    return read_payload


@pytest.fixture
def deliver() -> Callable[..., ParsedBatch]:
    """Send a dict as a webhook body, UTF-8 encoded as a real sender would."""

    def _deliver(
        source: str,
        payload: dict[str, Any],
        content_type: str | None = "application/json",
        **kwargs: Any,
    ) -> ParsedBatch:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        return parse_delivery(source, body, content_type, **kwargs)

    return _deliver
