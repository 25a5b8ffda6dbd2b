"""Customer messages from Slack: the draft prepared at opening, impact confirmation, approval
by the right people, and delivery to the customer exactly once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.incidents.models import ClockStep, Incident, StepKind, StepState
from bot.incidents.service import acknowledge, move
from bot.incidents.states import IncidentStatus
from bot.notifications.models import NotificationStatus
from bot.notifications.ops import deliver_key
from bot.outbox.models import OpStatus, OutboxOp
from bot.slack import ids
from tests.harness import Harness
from tests.notifications_kit import (
    CSAM,
    LEAD,
    ONCALL,
    audit,
    click_draft,
    confirm_impact,
    customer_posts,
    draft_message,
    edit_draft,
    incident,
    notifications,
    open_room,
    replies,
    revisions,
    said_to,
    settle,
    the_notification,
)

S = NotificationStatus


async def test_a_draft_is_prepared_at_opening_but_nobody_is_paged_before_impact(
    harness: Harness,
) -> None:
    h = harness
    room = await open_room(h)
    [draft] = await notifications(h, room.id)
    assert draft.kind.value == "initial" and draft.status == S.DRAFT
    message = draft_message(h, room, draft)
    blocks = str(message["blocks"])
    assert "We detected an issue in your environment and are addressing it now." in blocks
    assert "Europe/London" not in blocks and " GMT" in blocks, "times in the tenant's zone"
    assert "TenantLoginSuccessRateLow" not in blocks and "idp-7" not in blocks
    assert ids.CONFIRM_IMPACT in blocks and ids.APPROVE not in blocks
    assert replies(h, room) == [], "the CSAMs are not pinged for a blip"
    assert "<@U0CSAM" not in str(message["blocks"]) + message["text"]
    assert customer_posts(h) == []


async def test_confirming_impact_asks_the_csams(harness: Harness) -> None:
    h = harness
    room = await open_room(h)
    pending = await confirm_impact(h, room)
    assert pending.status == S.PENDING_APPROVAL
    confirmed = await incident(h, room.id)
    assert confirmed.impact_confirmed_by == ONCALL
    message = draft_message(h, room, pending)
    assert ids.APPROVE in str(message["blocks"]) and ids.REJECT in str(message["blocks"])
    [ping] = replies(h, room)
    assert ping["thread_ts"] == pending.approval_message_ts
    assert f"<@{CSAM['contoso']}>" in ping["text"]
    assert any("approval requested" in t for t in said_to(h, room, ONCALL))


async def test_the_tenants_csam_approves_and_it_is_delivered_once(harness: Harness) -> None:
    h = harness
    room = await open_room(h)
    pending = await confirm_impact(h, room)
    await click_draft(h, CSAM["contoso"], room, ids.APPROVE)
    await h.drain()

    sent = await the_notification(h, room.id)
    assert sent.status == S.DELIVERED and sent.approved_by == CSAM["contoso"]
    assert sent.approved_revision == pending.revision
    [post] = customer_posts(h)
    assert post["ts"] == sent.delivered_ts and sent.delivered_channel == "C0CONTOSOEXT"
    assert post["text"].startswith("We detected an issue in your environment")
    # The support channel gets a copy.
    [copy] = [m for m in h.slack.messages("C0SUPPORT") if "Customer" in m["text"]]
    assert "We detected an issue" in copy["text"] and f"<@{CSAM['contoso']}>" in copy["text"]
    # The draft shows who approved it, when, and links the delivered message.
    blocks = str(draft_message(h, room, sent)["blocks"])
    assert f"Approved by <@{CSAM['contoso']}>" in blocks and "<!date^" in blocks
    assert "view the message" in blocks and "C0CONTOSOEXT" in blocks
    assert ids.APPROVE not in blocks
    # Every step is audited with its revision and text.
    steps = [(e.action, e.actor, e.data.get("revision")) for e in await audit(h, sent.id)]
    assert ("notification.approved", CSAM["contoso"], sent.approved_revision) in steps
    assert ("notification.delivered", None, sent.approved_revision) in steps
    delivered = [e for e in await audit(h, sent.id) if e.action == "notification.delivered"]
    assert delivered[0].data["text"] == post["text"]
    # The first delivered message starts the customer update cadence.
    async with h.runtime.sessions() as session:
        due = await session.scalars(
            select(ClockStep).where(
                ClockStep.incident_id == room.id,
                ClockStep.kind == StepKind.UPDATE_DUE,
                ClockStep.state == StepState.PENDING,
            )
        )
        assert due.all(), "the update cadence runs"


async def test_an_approver_may_approve(harness: Harness) -> None:
    h = harness
    room = await open_room(h)
    await confirm_impact(h, room)
    await click_draft(h, LEAD, room, ids.APPROVE)
    await h.drain()
    sent = await the_notification(h, room.id)
    assert sent.status == S.DELIVERED and sent.approved_by == LEAD
    assert len(customer_posts(h)) == 1


async def test_someone_else_is_refused_and_nothing_is_sent(harness: Harness) -> None:
    h = harness
    room = await open_room(h)
    await confirm_impact(h, room)
    await click_draft(h, "U0ONCALL2", room, ids.APPROVE)
    await h.drain()
    waiting = await the_notification(h, room.id)
    assert waiting.status == S.PENDING_APPROVAL and waiting.approved_by is None
    assert customer_posts(h) == []
    [answer] = said_to(h, room, "U0ONCALL2")
    assert "Only Contoso Ltd's CSAMs or the approvers" in answer and "Nothing was sent" in answer
    refused = [e for e in await audit(h, waiting.id) if e.action == "notification.approval_refused"]
    assert refused and refused[0].actor == "U0ONCALL2"
    assert refused[0].data["code"] == "not_a_decider"


async def test_the_author_of_a_revision_may_not_approve_it(harness: Harness) -> None:
    h = harness
    room = await open_room(h)
    await confirm_impact(h, room)
    await edit_draft(h, LEAD, room, "We are investigating degraded sign-in for Contoso.")
    await h.drain()
    edited = await the_notification(h, room.id)
    assert edited.revision == 2 and edited.status == S.PENDING_APPROVAL
    [_, second] = await revisions(h, edited.id)
    assert second.author == LEAD and second.text.startswith("We are investigating")

    await click_draft(h, LEAD, room, ids.APPROVE)
    await h.drain()
    assert (await the_notification(h, room.id)).status == S.PENDING_APPROVAL
    assert customer_posts(h) == []
    assert any("four eyes" in t for t in said_to(h, room, LEAD))

    await click_draft(h, CSAM["contoso"], room, ids.APPROVE)
    await h.drain()
    sent = await the_notification(h, room.id)
    assert sent.status == S.DELIVERED and sent.approved_revision == 2
    [post] = customer_posts(h)
    assert post["text"] == "We are investigating degraded sign-in for Contoso."


async def test_a_csam_may_approve_their_own_wording(harness: Harness) -> None:
    h = harness
    room = await open_room(h)
    await confirm_impact(h, room)
    csam = CSAM["contoso"]
    await edit_draft(h, csam, room, "Sign-in is slow for some of your users; we are on it.")
    await h.drain()
    await click_draft(h, csam, room, ids.APPROVE)
    await h.drain()
    sent = await the_notification(h, room.id)
    assert sent.status == S.DELIVERED and sent.approved_by == csam
    assert [p["text"] for p in customer_posts(h)] == [
        "Sign-in is slow for some of your users; we are on it."
    ]


async def test_a_double_click_on_approve_delivers_once(harness: Harness) -> None:
    h = harness
    room = await open_room(h)
    await confirm_impact(h, room)
    csam = CSAM["contoso"]
    # Twice in a row, before the message is redrawn without its buttons.
    await click_draft(h, csam, room, ids.APPROVE)
    await click_draft(h, csam, room, ids.APPROVE)
    await h.drain()
    await h.drain()
    assert len(customer_posts(h)) == 1
    assert any("already approved" in t for t in said_to(h, room, csam))
    approved = [e for e in await audit(h, (await the_notification(h, room.id)).id)]
    assert [e.action for e in approved].count("notification.approved") == 1


async def test_concurrent_approvals_deliver_once(harness: Harness) -> None:
    h = harness
    room = await open_room(h)
    pending = await confirm_impact(h, room)
    assert room.channel_id and pending.approval_message_ts
    clicks = [
        h.user(user).click(room.channel_id, pending.approval_message_ts, ids.APPROVE)
        for user in (CSAM["contoso"], CSAM["contoso"], LEAD)
    ]
    answers = await asyncio.gather(*clicks)
    assert all(a.status_code == 200 for a in answers)
    await settle()
    await h.drain()
    sent = await the_notification(h, room.id)
    assert sent.status == S.DELIVERED
    assert len(customer_posts(h)) == 1
    steps = [e.action for e in await audit(h, sent.id)]
    assert steps.count("notification.approved") == 1
    assert steps.count("notification.approval_refused") == 2
    assert steps.count("notification.delivered") == 1


async def test_a_superseded_revision_cannot_be_approved(harness: Harness) -> None:
    h = harness
    room = await open_room(h)
    await confirm_impact(h, room)
    await edit_draft(h, ONCALL, room, "Some sign-ins fail; we are restoring the service.")
    # The draft in Slack still shows revision 1's buttons until it is redrawn.
    await click_draft(h, CSAM["contoso"], room, ids.APPROVE)
    await h.drain()
    waiting = await the_notification(h, room.id)
    assert waiting.status == S.PENDING_APPROVAL and waiting.revision == 2
    assert customer_posts(h) == []
    assert any(
        "Revision 1 was replaced by revision 2" in t for t in said_to(h, room, CSAM["contoso"])
    )
    # Redrawn, the draft offers revision 2, which the CSAM may approve.
    await click_draft(h, CSAM["contoso"], room, ids.APPROVE)
    await h.drain()
    assert (await the_notification(h, room.id)).approved_revision == 2
    assert len(customer_posts(h)) == 1


async def test_a_draft_gone_stale_cannot_be_sent_as_is(harness: Harness) -> None:
    h = harness
    room = await open_room(h)
    await confirm_impact(h, room)
    h.clock.advance(timedelta(minutes=5))
    async with h.runtime.sessions() as session:
        current = await session.get(Incident, room.id)
        assert current is not None
        await acknowledge(session, current, user=ONCALL, now=h.clock.now())
        await session.commit()
    h.clock.advance(timedelta(minutes=5))
    async with h.runtime.sessions() as session:
        current = await session.get(Incident, room.id)
        assert current is not None
        move(current, IncidentStatus.MITIGATED, h.clock.now(), ONCALL, session)
        await session.commit()
    # Acknowledgement changed nothing; mitigation makes the initial message stale.
    await click_draft(h, CSAM["contoso"], room, ids.APPROVE)
    await h.drain()
    stale = await the_notification(h, room.id)
    assert stale.status == S.STALE and "mitigated" in str(stale.stale_reason)
    assert customer_posts(h) == []
    assert any("stale" in t for t in said_to(h, room, CSAM["contoso"]))
    blocks = str(draft_message(h, room, stale)["blocks"])
    assert "Stale, not sent" in blocks and ids.APPROVE not in blocks and ids.EDIT in blocks


async def test_acknowledgement_does_not_make_a_draft_stale(harness: Harness) -> None:
    h = harness
    room = await open_room(h)
    await confirm_impact(h, room)
    h.clock.advance(timedelta(minutes=3))
    async with h.runtime.sessions() as session:
        current = await session.get(Incident, room.id)
        assert current is not None
        await acknowledge(session, current, user=ONCALL, now=h.clock.now())
        await session.commit()
    await click_draft(h, CSAM["contoso"], room, ids.APPROVE)
    await h.drain()
    assert (await the_notification(h, room.id)).status == S.DELIVERED


async def test_delivery_during_a_slack_outage_happens_once_after_recovery(
    harness: Harness,
) -> None:
    h = harness
    room = await open_room(h)
    await confirm_impact(h, room)
    h.slack.set_outage(True)
    await click_draft(h, CSAM["contoso"], room, ids.APPROVE)
    await h.drain()
    approved = await the_notification(h, room.id)
    assert approved.status == S.APPROVED, "approved, and waiting for Slack"
    assert customer_posts(h) == []
    h.clock.advance(timedelta(minutes=10))
    h.slack.set_outage(False)
    await h.drain()
    sent = await the_notification(h, room.id)
    assert sent.status == S.DELIVERED
    assert len(customer_posts(h)) == 1
    failed = [c for c in h.slack.calls_to("chat.postMessage") if not c.ok]
    assert failed, "the outage was real: posts were refused before it ended"


async def test_a_post_whose_answer_was_lost_is_found_not_repeated(harness: Harness) -> None:
    h = harness
    room = await open_room(h)
    await confirm_impact(h, room)
    await click_draft(h, CSAM["contoso"], room, ids.APPROVE)
    approved = await the_notification(h, room.id)
    # An earlier attempt posted, then crashed (or lost Slack's answer) before recording it.
    async with h.runtime.sessions() as session:
        op = await session.scalar(
            select(OutboxOp).where(OutboxOp.key == deliver_key(approved.id, approved.revision))
        )
        assert op is not None and op.status == OpStatus.PENDING
        op.progress = {"customer_attempt": True}
        await session.commit()
        key = op.key
    client = h.runtime.slack_client
    assert client is not None
    earlier = await client.chat_postMessage(
        channel="C0CONTOSOEXT",
        text="We detected an issue in your environment and are addressing it now.",
        metadata={"event_type": "crebot_customer_message", "event_payload": {"key": key}},
    )
    await h.drain()
    sent = await the_notification(h, room.id)
    assert sent.status == S.DELIVERED and sent.delivered_ts == earlier["ts"]
    assert len(customer_posts(h)) == 1
