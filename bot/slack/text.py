"""Making text safe for Slack.

Text from an alert or a user reaches Slack escaped: `<!channel>`, `<@U…>`, `<#C…>` and
`<https://…|label>` are Slack's control sequences, and escaping `&`, `<` and `>` is what
Slack documents to show them literally instead of pinging or linking.
"""

from __future__ import annotations

from datetime import datetime


def escape(text: str | None) -> str:
    if not text:
        return ""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def shorten(text: str, limit: int, more: str = "…") -> str:
    """Cut `text` to at most `limit` characters, marking the cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(more))].rstrip() + more


def date_token(when: datetime, fmt: str = "{date_short_pretty} {time}") -> str:
    """A Slack date token: each reader sees the time in their own timezone."""
    epoch = int(when.timestamp())
    fallback = when.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{epoch}^{fmt}|{fallback}>"
