"""Storm mode: the platform incident's clock and acknowledgement drive its tenants, and its
tenants' customer messages are approved in bulk or one by one, each delivered once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.incidents.models import ClockStep, Incident, StepKind, StepState
from bot.notifications.models import Notification, NotificationStatus
from bot.notifications.service import confirm_impact
from bot.outbox.models import OutboxOp
from bot.scheduler import clock_scheduler
from bot.slack import ids
from tests.harness import Harness
from tests.room_kit import header, settle
from tests.test_storm import (
    fire,
    platforms,
    storm_harness,  # noqa: F401 - the `storm` fixture
    tenant_incidents,
)

MINUTE = timedelta(minutes=1)
LEAD = "U0LEAD1"  # in S0CRELEADS, the approvers


async def tick(h: Harness, delta: timedelta) -> None:
    h.clock.advance(delta)
    await clock_scheduler(h.runtime).run_due()
    await h.drain()


async def steps_of(h: Harness, incident_id: int) -> list[ClockStep]:
    async with h.runtime.sessions() as session:
        rows = await session.scalars(select(ClockStep).where(ClockStep.incident_id == incident_id))
        return list(rows.all())


async def a_storm(h: Harness) -> tuple[Incident, dict[str, Incident]]:
    """Contoso, then fabrikam a minute later, then northwind: the storm starts."""
    await fire(h, "contoso")
    h.clock.advance(MINUTE)
    await fire(h, "fabrikam")
    h.clock.advance(MINUTE)
    await fire(h, "northwind")
    [platform] = await platforms(h)
    return platform, await tenant_incidents(h)


async def test_linked_tenants_never_escalate_on_their_own(storm: Harness) -> None:
    h = storm
    platform, tenants = await a_storm(h)
    await tick(h, 40 * MINUTE)  # far past every deadline and escalation step
    for incident in tenants.values():
        states = {s.state for s in await steps_of(h, incident.id)}
        assert states == {StepState.SUSPENDED}, incident.tenant_id
    fired = [s for s in await steps_of(h, platform.id) if s.state == StepState.FIRED]
    assert any(s.kind == StepKind.ESCALATION for s in fired), "the platform's clock ran"
    assert "U0SECONDARY" in h.slack.members(str(platform.channel_id))
    for tenant in ("contoso", "fabrikam"):
        assert "U0SECONDARY" not in h.slack.members(str(tenants[tenant].channel_id))


async def test_acknowledging_the_platform_acknowledges_every_tenant(storm: Harness) -> None:
    h = storm
    platform, tenants = await a_storm(h)
    h.clock.advance(3 * MINUTE)
    acked_at = h.clock.now()
    await h.user("U0ONCALL2").click(str(platform.channel_id), str(platform.header_ts), ids.ACK)
    await settle()
    await h.drain()

    now = await tenant_incidents(h)
    waited = {}
    for tenant, incident in now.items():
        assert incident.acknowledged_at == acked_at and incident.acknowledged_by == "U0ONCALL2"
        waited[tenant] = incident.acknowledged_at - tenants[tenant].opened_at
        assert {s.state for s in await steps_of(h, incident.id)} == {StepState.CANCELLED}
    # Each records its own time to acknowledge: it opened when its own alert came in.
    assert waited == {
        "contoso": 5 * MINUTE,
        "fabrikam": 4 * MINUTE,
        "northwind": 3 * MINUTE,
    }
    [top] = await platforms(h)
    assert top.acknowledged_by == "U0ONCALL2"
    assert "Acknowledged by <@U0ONCALL2>" in str(header(h, top)["blocks"])


async def notifications(h: Harness) -> dict[str, Notification]:
    async with h.runtime.sessions() as session:
        rows = await session.execute(
            select(Incident.tenant_id, Notification).join(
                Incident, Incident.id == Notification.incident_id
            )
        )
        return {str(tenant): n for tenant, n in rows.all()}


async def deliveries(h: Harness) -> list[OutboxOp]:
    async with h.runtime.sessions() as session:
        rows = await session.scalars(
            select(OutboxOp).where(OutboxOp.kind == "notification.deliver")
        )
        return list(rows.all())


async def test_bulk_approval_delivers_each_tenant_message_exactly_once(storm: Harness) -> None:
    h = storm
    platform, _ = await a_storm(h)
    drafts = await notifications(h)
    assert set(drafts) == {"contoso", "fabrikam", "northwind"}  # one per affected tenant
    assert {n.status for n in drafts.values()} == {NotificationStatus.DRAFT}
    assert drafts["northwind"].approval_message_ts is None, "it has no room to show it in"
    room, ts = str(platform.channel_id), str(platform.header_ts)
    assert "Approve all 3 drafts" in str(header(h, platform)["blocks"])

    # Someone who is not an approver is turned away; nothing is sent.
    await h.user("U0ONCALL1").click(room, ts, ids.STORM_APPROVE_ALL)
    await settle()
    assert "Only the approvers" in h.slack.ephemerals(room, "U0ONCALL1")[-1]["text"]
    assert await deliveries(h) == []

    # An approver double-clicks.
    await h.user(LEAD).click(room, ts, ids.STORM_APPROVE_ALL)
    await h.user(LEAD).click(room, ts, ids.STORM_APPROVE_ALL)
    await settle()
    await h.drain()

    sent = await notifications(h)
    assert {n.approved_by for n in sent.values()} == {LEAD}
    assert len(await deliveries(h)) == 3
    assert sent["contoso"].status == NotificationStatus.DELIVERED
    [customer_post] = h.slack.messages("C0CONTOSOEXT")
    assert customer_post["ts"] == sent["contoso"].delivered_ts
    for tenant in ("fabrikam", "northwind"):  # no customer channel: their CSAMs relay it
        assert sent[tenant].status == NotificationStatus.AWAITING_RELAY
    for tenant, csam in (
        ("contoso", "U0CSAMCONTOSO"),
        ("fabrikam", "U0CSAMFABRIKAM"),
        ("northwind", "U0CSAMNORTHWIND"),
    ):
        told = [m for m in h.slack.dms(csam) if "in bulk" in str(m.get("text"))]
        assert len(told) == 1, tenant
        assert f"<@{LEAD}> approved the initial customer message" in told[0]["text"]
    answers = [m["text"] for m in h.slack.ephemerals(room, LEAD)]
    assert any("You approved 3 customer message(s)" in a for a in answers)
    assert any("You approved 0 customer message(s)" in a for a in answers)
    assert "Approve all" not in str(header(h, platform)["blocks"])
    assert "3 approved" in str(header(h, platform)["blocks"])


async def test_a_csam_approves_their_own_tenant_from_a_dm(storm: Harness) -> None:
    h = storm
    _, tenants = await a_storm(h)
    csam = "U0CSAMNORTHWIND"  # northwind joined the storm at once: it has no room
    async with h.runtime.sessions() as session:
        incident = await session.get(Incident, tenants["northwind"].id)
        assert incident is not None
        await confirm_impact(session, incident, "U0ONCALL1", h.clock.now(), domain=h.runtime.domain)
        await session.commit()
    await h.drain()
    [asked] = h.slack.dms(csam)
    assert "waits for your approval" in asked["text"]
    dm = h.slack.dm_channel_id(csam)
    await h.user(csam).click(dm, asked["ts"], ids.APPROVE)
    await h.user(csam).click(dm, asked["ts"], ids.APPROVE)
    await settle()
    await h.drain()
    sent = await notifications(h)
    assert sent["northwind"].status == NotificationStatus.AWAITING_RELAY
    assert sent["northwind"].approved_by == csam
    assert len(await deliveries(h)) == 1
    assert len(h.slack.dms(csam)) == 2  # the draft, then the approved text to relay
    assert sent["fabrikam"].status == NotificationStatus.DRAFT  # the others are untouched
