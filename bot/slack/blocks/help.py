from __future__ import annotations

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.slack.ids import COMMAND
from bot.slack.text import escape

SUBCOMMANDS: list[tuple[str, str]] = [
    ("declare [what the customer reported]", "open the intake for a customer-reported issue"),
    ("list", "open incidents by tenant"),
    ("status", "this incident's status and clock (in an incident channel)"),
    ("ack", "acknowledge this incident and stop its response clock"),
    ("note <text>", "add a line to this incident's timeline"),
    ("mitigate [note] / resolve [note]", "the customer impact stopped / it is fixed for good"),
    ("review [#id]", "review a resolved incident's alerts, or list what is still to review"),
    ("action <text> [@owner] [due YYYY-MM-DD]", "add an action item (no text: a form)"),
    ("postmortem [#id]", "upload the incident's Markdown postmortem to its channel"),
    ("report [30d] [tenant]", "the reliability report, per tenant"),
    ("platform", "make this incident's failure a platform incident (storm mode)"),
    ("link <tenant> / unlink <tenant>", "in a platform incident: track a tenant, or let it go"),
    ("help", "this message"),
]


def help_text() -> str:
    # `<text>` would be read by Slack as a link: the usage strings are escaped like any text.
    lines = [f"`{COMMAND} {escape(usage)}` — {escape(what)}" for usage, what in SUBCOMMANDS]
    return "crebot: tenant-level incident response.\n" + "\n".join(lines)


def help_blocks(unknown: str | None = None) -> list[Block]:
    blocks: list[Block] = []
    if unknown:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"I don't know `{COMMAND} {escape(unknown)}`. Here is what I can do:"
                )
            )
        )
    blocks.append(SectionBlock(text=MarkdownTextObject(text=help_text())))
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="Buttons in each incident's pinned header do the rest: "
                    "acknowledge, intake, customer updates, resolve."
                )
            ]
        )
    )
    return blocks
