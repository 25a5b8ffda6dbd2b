"""Making readable alerts storable: values JSON allows but the databases refuse.

A webhook body can be valid JSON and still hold things no column takes:

- `\\u0000` (or `%00` in a form body): PostgreSQL text and JSONB refuse NUL.
- a lone surrogate such as `\\ud800`: not encodable as UTF-8, so neither database takes it.
- `1e999`: Python reads it as infinity, which JSON cannot write back (JSONB refuses it).
- nesting a thousand levels deep: it parses, but writing it back runs out of stack.

None of these is the sender's fault worth a 4xx, and none may become a 500, so each value is
replaced by a visible stand-in. Scanning every value of every alert would cost more than the
rest of ingestion, so the route cleans up front only when the raw bytes show one of the first
two (`needs_cleaning`, a few substring checks), and otherwise stores optimistically and
cleans and retries if the database refuses a value (the last two, and anything missed).
"""

from __future__ import annotations

import dataclasses
import math
import re
from typing import Any

from bot.ingest.alert import Alert

REPLACEMENT = "\ufffd"
MAX_DEPTH = 32
TOO_DEEP = "(nested too deeply to keep)"

_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")
# JSON escapes that decode to NUL or a surrogate; a false alarm only costs a scan.
_BAD_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


def needs_cleaning(body: bytes) -> bool:
    """Whether the body may decode to text no database stores (NUL, lone surrogates)."""
    if b"\x00" in body or b"%00" in body:  # raw in a form body, or form-encoded
        return True
    return b"\\u" in body and _BAD_ESCAPE.search(body) is not None


def clean_text(text: str) -> str:
    return _BAD_TEXT.sub(REPLACEMENT, text)


def clean_value(value: Any, depth: int = 0) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        if depth >= MAX_DEPTH:
            return TOO_DEEP
        return {clean_text(str(k)): clean_value(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        if depth >= MAX_DEPTH:
            return TOO_DEEP
        return [clean_value(v, depth + 1) for v in value]
    return value


def clean_alert(alert: Alert) -> Alert:
    return dataclasses.replace(
        alert,
        dedup_key=clean_text(alert.dedup_key),
        tenant=clean_text(alert.tenant) if alert.tenant is not None else None,
        labels={clean_text(k): clean_text(v) for k, v in alert.labels.items()},
        summary=clean_text(alert.summary),
        description=clean_text(alert.description),
        links={clean_text(k): clean_text(v) for k, v in alert.links.items()},
        raw=clean_value(alert.raw),
    )
