"""Text that is safe for Slack and fits Slack's limits.

Everything that came from an alert, a playbook or a person goes through `fit` (mrkdwn) or
`plain` (plain_text): escaped first, so `<!channel>` shows as text instead of pinging, then
cut to the limit without splitting an `&lt;` in half. Links are built by `link`, which
keeps the URL from closing the `<…|…>` early and the label from opening a new one.
"""

from __future__ import annotations

from urllib.parse import quote

from bot.slack.text import escape, shorten

SECTION_LIMIT = 3000
FIELD_LIMIT = 2000
HEADER_LIMIT = 150
CONTEXT_LIMIT = 2000  # each mrkdwn element of a context block
BUTTON_TEXT_LIMIT = 75
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100


def fit(raw: str | None, limit: int, more: str = "…") -> str:
    """`raw` escaped for mrkdwn and at most `limit` characters long."""
    text = escape(raw)
    if len(text) <= limit:
        return text
    keep = len(raw or "")
    while keep > 0:
        keep -= max(1, len(text) - limit)
        text = escape(shorten(raw or "", max(0, keep), more))
        if len(text) <= limit:
            return text
    return more[:limit]


def plain(raw: str | None, limit: int) -> str:
    """For plain_text objects: Slack shows them verbatim, mentions never fire there, but a
    header is still copied into notifications and search, so it gets the same escaping."""
    return fit(raw, limit) or "-"


def safe_url(url: str) -> str:
    """A URL that cannot end a Slack link early (`|`, `>`) or start a new token (`<`)."""
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~-._")


def link(url: str | None, label: str | None, limit: int = 300) -> str:
    """`<url|label>` with both made safe, or the escaped label alone without a URL."""
    text = fit((label or url or "").replace("|", "¦"), limit)
    if not url or not url.startswith(("https://", "http://")):
        return text
    return f"<{safe_url(url)}|{text}>"


def channel_ref(channel_id: str | None, fallback: str = "the incident channel") -> str:
    """A `<#C…>` link; the id is one Slack gave crebot, never user text."""
    if channel_id and channel_id.isalnum():
        return f"<#{channel_id}>"
    return fallback


def user_ref(user_id: str | None, fallback: str = "someone") -> str:
    if user_id and user_id.isalnum():
        return f"<@{user_id}>"
    return fallback
