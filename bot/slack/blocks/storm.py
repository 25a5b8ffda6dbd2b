"""Storm mode in Slack: the platform header's tenant list and the notes about linking.

Pure functions. A storm can take in hundreds of tenants, more than a section can hold
(3,000 characters), so the header lists the first few and gives the count and where the
full list is (`GET /api/incidents`, each incident carrying its `platform_incident_id`).
"""

from __future__ import annotations

from slack_sdk.models.blocks import ButtonElement, ConfirmObject, MarkdownTextObject, SectionBlock

from bot.incidents.storm_view import StormSummary
from bot.slack import ids
from bot.slack.blocks.fit import SECTION_LIMIT, channel_ref, fit, user_ref
from bot.slack.text import escape

TENANT_ID_LIMIT = 64


def tenant_list(storm: StormSummary) -> str:
    """`tenant` #incident (firing alerts), for the tenants shown; the rest as a count."""
    parts = []
    for t in storm.shown:
        firing = f" ({t.firing} firing)" if t.firing else ""
        parts.append(f"`{fit(t.tenant_id, TENANT_ID_LIMIT)}` #{t.number}{firing}")
    text = ", ".join(parts) or "none linked yet"
    more = storm.count - len(storm.shown)
    if more > 0:
        text += (
            f" … and {more} more (every one: `GET /api/incidents?status=open`, "
            f"`platform_incident_id` {storm.platform_incident_id})"
        )
    return text


def storm_text(storm: StormSummary) -> str:
    lines = [
        f"*Affected tenants: {storm.count}* ({storm.firing_tenants} with firing alerts)",
        tenant_list(storm),
    ]
    if storm.ended:
        lines.append(
            ":large_green_circle: *The storm is over*: every alert of every linked tenant "
            "resolved. Tenants whose impact continues can be handled on their own: "
            "`/cre unlink <tenant>`."
        )
    if storm.drafts_waiting or storm.sent:
        lines.append(
            f"*Customer messages*: {storm.drafts_waiting} waiting for approval, "
            f"{storm.sent} approved"
        )
    lines.append("_`/cre link <tenant>` or `/cre unlink <tenant>` here changes the list._")
    return _cap("\n".join(lines))


def _cap(text: str) -> str:
    """Cut to a section's limit (the parts were escaped as they were built)."""
    return text if len(text) <= SECTION_LIMIT else text[: SECTION_LIMIT - 1] + "…"


def storm_section(storm: StormSummary) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=storm_text(storm)))


def approve_all_button(storm: StormSummary) -> ButtonElement | None:
    if not storm.drafts_waiting:
        return None
    n = storm.drafts_waiting
    return ButtonElement(
        text=f"Approve all {n} drafts",
        action_id=ids.STORM_APPROVE_ALL,
        value=str(storm.platform_incident_id),
        confirm=ConfirmObject(
            title="Approve every tenant's draft?",
            text=(
                f"{n} customer message(s) go out, one per tenant, and each tenant's CSAMs are "
                "told what went out on their behalf. Approvers only."
            ),
            confirm="Approve all",
            deny="Not yet",
        ),
    )


def linked_note(platform_number: int, platform_channel: str | None) -> str:
    """Posted in a tenant incident's own room when a storm takes it in."""
    where = channel_ref(platform_channel, "the platform incident's channel")
    return (
        f":link: This incident is now linked to platform incident #{platform_number}: "
        f"follow {where}. Its own reminders and escalations are held while the platform "
        "incident's clock drives it; acknowledging the platform incident acknowledges this "
        "one too. `/cre unlink` in the platform channel hands it back."
    )


def told_text(
    *,
    approver: str,
    tenant_name: str,
    platform_number: int,
    kind: str,
    text: str,
    customer_channel: str | None,
) -> str:
    """A DM to a tenant's CSAMs: what went out on their behalf in a bulk approval."""
    where = (
        f"It is posted in {channel_ref(customer_channel)}."
        if customer_channel
        else "You have it in a separate message to pass on to the customer."
    )
    quoted = "\n".join(f">{line}" for line in escape(text).splitlines() or [""])
    return (
        f"{user_ref(approver)} approved the {escape(kind)} customer message for "
        f"{fit(tenant_name, 200)} in bulk, for platform incident #{platform_number}. "
        f"{where}\n{quoted}"
    )[:SECTION_LIMIT]
