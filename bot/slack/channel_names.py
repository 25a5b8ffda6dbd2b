"""Incident channel names: predictable from the incident, and always valid for Slack.

Slack validates names and never fixes them: lowercase letters, digits, `-` and `_`, at
most 80 characters (SLACK_NOTES §2). A name is `inc-<number>-<tenant>-<signature>`; when
Slack answers `name_taken`, the next attempt adds `-2`, `-3`, … within the same 80.
"""

from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 80
_NOT_ALLOWED = re.compile(r"[^a-z0-9_-]+")
_REPEATS = re.compile(r"-{2,}")


def slug(text: str) -> str:
    """ASCII, lowercase, anything else a single hyphen; no hyphens at the ends."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    hyphenated = _NOT_ALLOWED.sub("-", ascii_text.lower())
    return _REPEATS.sub("-", hyphenated).strip("-_")


def channel_name(number: int, tenant_id: str | None, signature_id: str, attempt: int = 1) -> str:
    """The name to try on `attempt` (1 for the plain name, 2 adds `-2`, …)."""
    if attempt < 1:
        raise ValueError("attempts count from 1")
    suffix = "" if attempt == 1 else f"-{attempt}"
    base = slug(f"inc-{number}-{tenant_id or 'platform'}-{signature_id}") or f"inc-{number}"
    return base[: MAX_LENGTH - len(suffix)].rstrip("-_") + suffix
