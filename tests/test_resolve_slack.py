"""Mitigated and resolved from Slack: the header's buttons, `/cre mitigate`, `/cre resolve`."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.incidents.models import ClockStep, StepState
from bot.incidents.states import IncidentStatus
from bot.incidents.timeline import EntryKind
from bot.notifications.models import MessageKind, Notification, NotificationStatus
from bot.outbox.models import OpStatus
from bot.slack import ids
from tests.harness import Harness
from tests.room_kit import header, incident, opened_room, outbox_ops, settle, timeline

ONCALL = "U0ONCALL1"


def action_ids(message: dict) -> set[str]:  # type: ignore[type-arg]
    return {
        e.get("action_id")
        for b in message.get("blocks") or []
        for e in (b.get("elements") or []) + ([b["accessory"]] if b.get("accessory") else [])
        if isinstance(e, dict)
    }


async def acknowledged_room(h: Harness):  # type: ignore[no-untyped-def]
    room = await opened_room(h)
    await h.user(ONCALL).click(str(room.channel_id), str(room.header_ts), ids.ACK)
    await settle()
    await h.drain()
    return await incident(h, room.id)


async def test_mitigate_then_resolve_with_the_header_buttons(harness: Harness) -> None:
    h = harness
    room = await acknowledged_room(h)
    channel = str(room.channel_id)
    assert ids.MITIGATE in action_ids(header(h, room))

    h.clock.advance(timedelta(minutes=25))
    await h.user("U0ONCALL2").click(channel, str(room.header_ts), ids.MITIGATE)
    await settle()
    mitigated = await incident(h, room.id)
    assert mitigated.status == IncidentStatus.MITIGATED
    assert mitigated.mitigated_at == h.clock.now()
    [told] = h.slack.ephemerals(channel, "U0ONCALL2")
    assert "is mitigated" in told["text"]

    await h.drain()
    [notice] = [m for m in h.slack.messages(channel) if "Impact mitigated" in m["text"]]
    assert "<@U0ONCALL2>" in notice["text"] and ids.RESOLVE in action_ids(notice)
    top = header(h, mitigated)
    assert "*Resolution*: mitigated <!date^" in str(top["blocks"])
    assert ids.MITIGATE not in action_ids(top) and ids.RESOLVE in action_ids(top)

    # The Resolve button of the notice resolves too; the header's is the same action.
    h.clock.advance(timedelta(minutes=35))
    await h.user(ONCALL).click(channel, notice["ts"], ids.RESOLVE)
    await settle()
    resolved = await incident(h, room.id)
    assert resolved.status == IncidentStatus.RESOLVED and resolved.resolved_at == h.clock.now()
    assert resolved.active_key is None

    await h.drain()
    [nudge] = [m for m in h.slack.messages(channel) if "Resolved by" in m["text"]]
    assert "1h 00m after it opened" in nudge["text"]
    assert {ids.REVIEW_OPEN, ids.POSTMORTEM} <= action_ids(nudge)
    assert "Next: the review" in str(nudge["blocks"])
    support = h.slack.messages("C0SUPPORT")
    assert any("esolved" in m["text"] for m in support), "support hears of the resolve"
    top = header(h, resolved)
    assert {ids.REVIEW_OPEN, ids.POSTMORTEM} <= action_ids(top)
    assert ids.RESOLVE not in action_ids(top)
    assert "review pending" in str(top["blocks"])

    states = [e.text for e in await timeline(h, room.id, EntryKind.STATE)]
    assert states[-2:] == ["Mitigated by <@U0ONCALL2>", "Resolved by <@U0ONCALL1>"]
    async with h.runtime.sessions() as session:
        pending = await session.scalars(
            select(ClockStep).where(
                ClockStep.incident_id == room.id, ClockStep.state == StepState.PENDING
            )
        )
        assert pending.all() == [], "nothing of the response clock is left to fire"
    assert not [op for op in await outbox_ops(h) if op.status == OpStatus.DEAD]


async def test_commands_take_a_note_and_refuse_what_the_lifecycle_forbids(
    harness: Harness,
) -> None:
    h = harness
    room = await opened_room(h)
    channel = str(room.channel_id)
    user = h.user(ONCALL)

    await user.command("/cre", "resolve all good", channel_id=channel)
    await settle()
    refused = h.slack.responses()[-1]
    assert "cannot become resolved" in refused["text"]
    assert refused["response_type"] == "ephemeral"
    assert (await incident(h, room.id)).status == IncidentStatus.OPEN

    await user.command("/cre", "resolve", channel_id="C0SUPPORT")
    await settle()
    assert "in an incident's channel" in h.slack.responses()[-1]["text"]

    await user.command("/cre", "ack", channel_id=channel)
    await settle()
    await user.command(
        "/cre", "mitigate failed over to <b> region & rolled back", channel_id=channel
    )
    await settle()
    await user.command("/cre", "resolve fixed by the config rollback", channel_id=channel)
    await settle()
    done = await incident(h, room.id)
    assert done.status == IncidentStatus.RESOLVED
    states = [e.text for e in await timeline(h, room.id, EntryKind.STATE)]
    assert "Mitigated by <@U0ONCALL1>: failed over to &lt;b&gt; region &amp; rolled back" in states
    assert "Resolved by <@U0ONCALL1>: fixed by the config rollback" in states
    assert "is resolved" in h.slack.responses()[-1]["text"]

    await user.command("/cre", "mitigate", channel_id=channel)
    await settle()
    assert "cannot become mitigated" in h.slack.responses()[-1]["text"]

    await h.drain()
    [nudge] = [m for m in h.slack.messages(channel) if "Resolved by" in m["text"]]
    assert "fixed by the config rollback" in nudge["text"]


async def test_resolving_offers_the_resolved_customer_message_for_approval(
    harness: Harness,
) -> None:
    h = harness
    room = await acknowledged_room(h)
    async with h.runtime.sessions() as session:
        row = await incident(h, room.id)
        row = await session.merge(row)
        row.impact_confirmed_at, row.impact_confirmed_by = h.clock.now(), ONCALL
        await session.commit()
    h.clock.advance(timedelta(minutes=30))
    await h.user(ONCALL).command("/cre", "resolve", channel_id=str(room.channel_id))
    await settle()
    assert "waits for approval" in h.slack.responses()[-1]["text"]
    async with h.runtime.sessions() as session:
        drafts = (
            await session.scalars(
                select(Notification).where(
                    Notification.incident_id == room.id,
                    Notification.kind == MessageKind.RESOLVED,
                )
            )
        ).all()
    assert [d.status for d in drafts] == [NotificationStatus.PENDING_APPROVAL]
    await h.drain()
    [nudge] = [m for m in h.slack.messages(str(room.channel_id)) if "Resolved by" in m["text"]]
    assert "waiting for approval" in str(nudge["blocks"])
