"""Slack mrkdwn to Markdown, for text crebot stored for Slack (timeline entries, messages)
that a postmortem file shows outside Slack."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"<([^<>]+)>")


def _control(match: re.Match[str]) -> str:
    body = match.group(1)
    target, _, label = body.partition("|")
    label = label.lstrip("@#") if target[:1] in "@#" or target.startswith("!subteam^") else label
    if target.startswith("@"):
        return f"@{label or target[1:]}"
    if target.startswith("#"):
        return f"#{label or target[1:]}"
    if target.startswith("!date^"):
        return label or target
    if target.startswith("!subteam^"):
        return f"@{label or target.split('^', 1)[1]}"
    if target.startswith("!"):
        return f"@{target[1:]}"
    if label:
        return f"[{label}]({target})"
    return target


def from_slack(text: str | None) -> str:
    """`<@U1>` → `@U1`, `<url|label>` → `[label](url)`, date tokens → their fallback text,
    then Slack's `&lt;`/`&gt;`/`&amp;` back to the characters."""
    if not text:
        return ""
    out = _CONTROL.sub(_control, text)
    return out.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def one_line(text: str | None) -> str:
    """For list items and table cells: no line breaks, no stray table separators."""
    return " ".join(from_slack(text).split()).replace("|", "\\|")
