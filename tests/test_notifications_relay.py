"""After (or instead of) approval: relaying through the CSAMs, rejecting with a reason,
reminders, the App Home, the API, and the intake and resolution hooks."""

from __future__ import annotations

from datetime import timedelta

from bot.incidents.models import Incident
from bot.incidents.resolution import mitigate, resolve
from bot.intake.models import IntakeRevision
from bot.notifications import hooks
from bot.notifications.models import MessageKind, NotificationStatus
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
    notifications,
    open_room,
    replies,
    said_to,
    settle,
    the_notification,
)

S = NotificationStatus


async def approved_for_fabrikam(h: Harness) -> Incident:
    """Fabrikam has no Slack Connect channel: approved text goes to its CSAM to relay."""
    room = await open_room(h, tenant="fabrikam")
    await confirm_impact(h, room)
    await click_draft(h, CSAM["fabrikam"], room, ids.APPROVE)
    await h.drain()
    return room


async def test_without_a_customer_channel_the_csams_relay_it(harness: Harness) -> None:
    h = harness
    room = await approved_for_fabrikam(h)
    relaying = await the_notification(h, room.id)
    assert relaying.status == S.AWAITING_RELAY and relaying.delivered_at is None
    [dm] = h.slack.dms(CSAM["fabrikam"])
    assert "We detected an issue in your environment" in str(dm["blocks"])
    assert ids.MARK_SENT in str(dm["blocks"])
    assert "pass on" in str(draft_message(h, room, relaying)["blocks"])
    assert not [m for m in h.slack.messages("C0SUPPORT") if m["text"].startswith("Customer")]

    h.clock.advance(timedelta(minutes=4))
    marked_at = h.clock.now()
    channel = h.slack.dm_channel_id(CSAM["fabrikam"])
    await h.user(CSAM["fabrikam"]).click(channel, dm["ts"], ids.MARK_SENT)
    await settle()
    await h.drain()
    sent = await the_notification(h, room.id)
    assert sent.status == S.DELIVERED
    assert sent.relayed_by == CSAM["fabrikam"] and sent.delivered_at == marked_at
    [dm] = h.slack.dms(CSAM["fabrikam"])
    assert ids.MARK_SENT not in str(dm["blocks"]) and "Marked as sent by" in str(dm["blocks"])
    assert "Relayed to the customer by" in str(draft_message(h, room, sent)["blocks"])
    [copy] = [m for m in h.slack.messages("C0SUPPORT") if m["text"].startswith("Customer")]
    assert "relayed by" in copy["text"]
    steps = [(e.action, e.actor) for e in await audit(h, sent.id)]
    assert ("notification.relay_requested", None) in steps
    assert ("notification.marked_sent", CSAM["fabrikam"]) in steps


async def test_marking_as_sent_twice_records_it_once(harness: Harness) -> None:
    h = harness
    room = await approved_for_fabrikam(h)
    [dm] = h.slack.dms(CSAM["fabrikam"])
    channel = h.slack.dm_channel_id(CSAM["fabrikam"])
    await h.user(CSAM["fabrikam"]).click(channel, dm["ts"], ids.MARK_SENT)
    await h.user(CSAM["fabrikam"]).click(channel, dm["ts"], ids.MARK_SENT)
    await settle()
    sent = await the_notification(h, room.id)
    marks = [e for e in await audit(h, sent.id) if e.action == "notification.marked_sent"]
    assert len(marks) == 1
    told = [m["text"] for m in h.slack.ephemerals(channel, CSAM["fabrikam"])]
    assert any("already marked it as sent" in t for t in told)


async def test_rejection_asks_for_a_reason(harness: Harness) -> None:
    h = harness
    room = await open_room(h)
    await confirm_impact(h, room)
    await click_draft(h, "U0ONCALL2", room, ids.REJECT)
    assert any("may reject" in t for t in said_to(h, room, "U0ONCALL2"))
    assert h.slack.open_views("U0ONCALL2") == []

    csam = CSAM["contoso"]
    await click_draft(h, csam, room, ids.REJECT)
    view = h.slack.open_views(csam)[-1]
    blank = await h.user(csam).submit(view["id"], {ids.REJECT_REASON: "   "})
    assert blank.json()["response_action"] == "errors"
    await h.user(csam).submit(view["id"], {ids.REJECT_REASON: "Too vague: say which logins."})
    await settle()
    await h.drain()
    rejected = await the_notification(h, room.id)
    assert rejected.status == S.REJECTED and rejected.rejected_by == csam
    assert rejected.reject_reason == "Too vague: say which logins."
    blocks = str(draft_message(h, room, rejected)["blocks"])
    assert "Rejected" in blocks and "Too vague" in blocks and ids.APPROVE not in blocks
    [entry] = [e for e in await audit(h, rejected.id) if e.action == "notification.rejected"]
    assert entry.actor == csam and entry.data["reason"] == "Too vague: say which logins."
    assert entry.data["revision"] == 1 and "We detected an issue" in entry.data["text"]
    assert customer_posts(h) == []


async def test_a_waiting_draft_is_reminded_then_offered_to_the_approvers(
    harness: Harness,
) -> None:
    h = harness
    room = await open_room(h)
    await confirm_impact(h, room)
    assert h.slack.dms(CSAM["contoso"]) == []
    h.clock.advance(timedelta(minutes=15))
    await h.drain()
    [reminder] = h.slack.dms(CSAM["contoso"])
    assert "waited 15 minutes" in reminder["text"] and "the draft" in reminder["text"]
    assert h.slack.dms(LEAD) == []
    h.clock.advance(timedelta(minutes=15))
    await h.drain()
    [offer] = h.slack.dms(LEAD)
    assert "As an approver you may approve it" in offer["text"]
    assert len(replies(h, room)) == 3, "the ask, the reminder and the offer"
    steps = [e.action for e in await audit(h, (await the_notification(h, room.id)).id)]
    assert "notification.reminder_csams" in steps and "notification.reminder_approvers" in steps


async def test_no_reminder_once_it_was_approved(harness: Harness) -> None:
    h = harness
    room = await open_room(h)
    await confirm_impact(h, room)
    await click_draft(h, CSAM["contoso"], room, ids.APPROVE)
    h.clock.advance(timedelta(minutes=40))
    await h.drain()
    assert h.slack.dms(CSAM["contoso"]) == [] and h.slack.dms(LEAD) == []


async def test_the_app_home_shows_what_waits_for_each_csam(harness: Harness) -> None:
    h = harness
    room = await open_room(h)
    await confirm_impact(h, room)
    await h.user(CSAM["contoso"]).open_home()
    await settle()
    home = h.slack.published_home(CSAM["contoso"])
    assert home is not None
    text = str(home["blocks"])
    assert "Waiting for your approval" in text and "Contoso Ltd" in text
    assert f"incident #{room.number}" in text
    await h.user(CSAM["fabrikam"]).open_home()
    await settle()
    other = h.slack.published_home(CSAM["fabrikam"])
    assert other is not None and "No customer message waits for you" in str(other["blocks"])
    await h.user(ONCALL).open_home()
    await settle()
    plain = h.slack.published_home(ONCALL)
    assert plain is not None and "Waiting for your approval" not in str(plain["blocks"])


async def test_the_api_lists_the_incidents_messages(harness: Harness) -> None:
    h = harness
    room = await open_room(h)
    await confirm_impact(h, room)
    await click_draft(h, CSAM["contoso"], room, ids.APPROVE)
    await h.drain()
    answer = await h.http.get(f"/api/incidents/{room.id}", headers=h.api_headers())
    [item] = answer.json()["notifications"]
    assert item["kind"] == "initial" and item["status"] == "delivered"
    assert item["approved_by"] == CSAM["contoso"] and item["revision"] == 1
    assert item["delivered_at"].endswith("Z") and item["text"].startswith("We detected")


async def test_a_confirmed_intake_check_asks_for_approval_with_its_words(
    harness: Harness,
) -> None:
    h = harness
    room = await open_room(h)
    h.clock.advance(timedelta(minutes=2))
    async with h.runtime.sessions() as session:
        current = await session.get(Incident, room.id)
        assert current is not None
        intake = IntakeRevision(
            incident_id=room.id,
            revision=1,
            created_at=h.clock.now(),
            created_by=ONCALL,
            impact_start=room.opened_at - timedelta(minutes=20),
            check_result="confirmed",
            update_now="Some users cannot sign in.",
        )
        session.add(intake)
        await session.flush()
        await hooks.intake_saved(
            session, current, intake, user=ONCALL, now=h.clock.now(), domain=h.runtime.domain
        )
        await session.commit()
    await h.drain()
    [draft] = await notifications(h, room.id)
    assert draft.status == S.PENDING_APPROVAL and draft.revision == 2, "redrafted from the intake"
    assert (await incident_of(h, room.id)).impact_confirmed_by == ONCALL
    await click_draft(h, CSAM["contoso"], room, ids.APPROVE)
    await h.drain()
    assert (await the_notification(h, room.id)).status == S.DELIVERED


async def test_a_moved_impact_window_makes_peoples_wording_stale(harness: Harness) -> None:
    h = harness
    room = await open_room(h)
    await confirm_impact(h, room)
    from tests.notifications_kit import edit_draft

    await edit_draft(h, ONCALL, room, "Since {{ impact.start }} some sign-ins fail.")
    h.clock.advance(timedelta(minutes=3))
    async with h.runtime.sessions() as session:
        session.add(
            IntakeRevision(
                incident_id=room.id,
                revision=1,
                created_at=h.clock.now(),
                created_by=ONCALL,
                impact_start=room.opened_at - timedelta(hours=1),
            )
        )
        await session.commit()
    await h.drain()
    await click_draft(h, CSAM["contoso"], room, ids.APPROVE)
    await h.drain()
    stale = await the_notification(h, room.id)
    assert stale.status == S.STALE and "impact window" in str(stale.stale_reason)
    assert customer_posts(h) == []


async def test_mitigation_stales_drafts_and_resolution_offers_the_resolved_message(
    harness: Harness,
) -> None:
    h = harness
    room = await open_room(h)
    await confirm_impact(h, room)
    h.clock.advance(timedelta(minutes=5))
    async with h.runtime.sessions() as session:
        current = await session.get(Incident, room.id)
        assert current is not None
        from bot.incidents.service import acknowledge

        await acknowledge(session, current, user=ONCALL, now=h.clock.now())
        await mitigate(session, current, user=ONCALL, now=h.clock.now())
        await session.commit()
    await h.drain()
    [initial] = await notifications(h, room.id)
    assert initial.status == S.STALE and "mitigated" in str(initial.stale_reason)
    h.clock.advance(timedelta(minutes=5))
    async with h.runtime.sessions() as session:
        current = await session.get(Incident, room.id)
        assert current is not None
        done = await resolve(session, h.runtime.domain, current, user=ONCALL, now=h.clock.now())
        await session.commit()
    assert done.message_offered
    await h.drain()
    _, resolved = await notifications(h, room.id)
    assert resolved.kind == MessageKind.RESOLVED and resolved.status == S.PENDING_APPROVAL
    await click_draft(h, CSAM["contoso"], room, ids.APPROVE)
    await h.drain()
    [post] = customer_posts(h)
    assert "resolved" in post["text"].lower()


async def incident_of(h: Harness, incident_id: int) -> Incident:
    async with h.runtime.sessions() as session:
        found = await session.get(Incident, incident_id)
        assert found is not None
        return found


async def test_an_intake_saved_in_slack_with_a_confirmed_check_requests_approval(
    harness: Harness,
) -> None:
    h = harness
    room = await open_room(h)
    assert room.channel_id and room.header_ts
    await h.user(ONCALL).click(room.channel_id, room.header_ts, ids.START_INTAKE)
    await settle()
    intake = h.slack.open_views(ONCALL)[-1]
    await h.user(ONCALL).submit(
        intake["id"],
        {
            "intake_scope": "tenant",
            "intake_check_result": "confirmed",
            "intake_update_now": "Sign-in fails for about a third of your users.",
            "intake_update_next": "We are rolling back the last change.",
        },
    )
    await h.drain()
    [draft] = await notifications(h, room.id)
    assert draft.status == S.PENDING_APPROVAL
    blocks = str(draft_message(h, room, draft)["blocks"])
    assert "Sign-in fails for about a third of your users." in blocks
    assert any(f"<@{CSAM['contoso']}>" in m["text"] for m in replies(h, room))


async def test_a_customer_channel_that_refuses_falls_back_to_the_csams(harness: Harness) -> None:
    h = harness
    room = await open_room(h)
    await confirm_impact(h, room)
    await click_draft(h, CSAM["contoso"], room, ids.APPROVE)
    h.slack.fail("chat.postMessage", "not_in_channel", times=1)
    await h.drain()
    relaying = await the_notification(h, room.id)
    assert relaying.status == S.AWAITING_RELAY
    assert customer_posts(h) == []
    [dm] = h.slack.dms(CSAM["contoso"])
    assert "could not post in <#C0CONTOSOEXT>" in str(dm["blocks"])
    steps = [e.action for e in await audit(h, relaying.id)]
    assert "notification.channel_unreachable" in steps
