"""Turning a template, or text a person wrote, into the words a customer will read.

Both go through the same Jinja2 sandbox (bot.playbooks.templates): a playbook's
`customer_messages`, the built-in defaults when a playbook has none, and what a drafter
types in Slack, which may use the same variables (`{{ next_update_at }}`). Any failure is a
TemplateError whose message is shown to the drafter; nothing is saved or sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.config.loader import Domain
from bot.errors import NotFound, TemplateError
from bot.notifications.models import MessageKind
from bot.playbooks import UNCLASSIFIED, Playbook
from bot.playbooks.templates import render

# Room for the text inside one Slack section (3000) with its quote marks; a customer
# message longer than this belongs in an email, not a chat message.
MAX_LENGTH = 2800


def playbook_for(domain: Domain, signature_id: str) -> Playbook:
    """The incident's playbook; one a reload removed falls back to the built-in."""
    try:
        return domain.playbooks.get(signature_id)
    except NotFound:
        return UNCLASSIFIED


def template_for(playbook: Playbook | None, kind: MessageKind) -> str:
    """The playbook's template for `kind`, else the built-in default."""
    own = getattr(playbook.customer_messages, kind.value) if playbook is not None else None
    if own:
        return str(own)
    default = getattr(UNCLASSIFIED.customer_messages, kind.value)
    assert default, f"the built-in playbook has a {kind.value} message"
    return str(default)


def render_message(source: str, context: Mapping[str, Any]) -> str:
    """The customer text for `source` in `context`, or TemplateError saying what is wrong."""
    text = render(source, context)
    if not text:
        raise TemplateError("the message is empty: write what the customer should read")
    if len(text) > MAX_LENGTH:
        raise TemplateError(
            f"the message is {len(text)} characters long; keep it under {MAX_LENGTH}"
        )
    return text
