"""Storm mode: detection at the threshold, promotion by a responder, linking and unlinking.

The app runs on tests/data/crebot-storm.yaml (one platform incident when one signature hits
3 key tenants within 5 minutes); alerts arrive as webhooks, people act through Slack.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.incidents.models import ClockStep, Incident, IncidentKind, StepState
from bot.incidents.timeline import EntryKind
from tests.conftest import REPO
from tests.fakes.slack import SlackFake
from tests.harness import Harness, running_app
from tests.room_kit import header, settle, timeline

STORM_CONFIG = REPO / "tests" / "data" / "crebot-storm.yaml"
ALERTNAME = "TenantLoginSuccessRateLow"  # identity-login-failures


@pytest.fixture(name="storm")
async def storm_harness(
    database_url: str, clock: FakeClock, slack_fake: SlackFake
) -> AsyncIterator[Harness]:
    slack_fake.add_channel("ext-tailspin", id="C0TAILSPINEXT")
    async with running_app(database_url, clock, slack=slack_fake, config_path=STORM_CONFIG) as (
        app,
        runtime,
        http,
    ):
        yield Harness(app, runtime, http, slack_fake, clock)


async def fire(
    h: Harness, *tenants: str, status: str = "firing", alertname: str = ALERTNAME
) -> dict[str, Any]:
    """One delivery from a monitoring tool: an alert per tenant; then the outbox runs."""
    body = {
        "alerts": [
            {
                "id": f"{alertname}-{tenant}",
                "status": status,
                "tenant": tenant,
                "labels": {"alertname": alertname},
                "summary": f"Login success rate below 90% for {tenant}",
            }
            for tenant in tenants
        ]
    }
    answer = await h.http.post("/webhooks/generic", json=body, headers=h.webhook_headers())
    assert answer.status_code == 202, answer.text
    await h.drain()
    return dict(answer.json())


async def tenant_incidents(h: Harness) -> dict[str, Incident]:
    async with h.runtime.sessions() as session:
        rows = await session.scalars(
            select(Incident).where(Incident.kind == IncidentKind.TENANT).order_by(Incident.id)
        )
        return {str(i.tenant_id): i for i in rows.all()}


async def platforms(h: Harness) -> list[Incident]:
    async with h.runtime.sessions() as session:
        rows = await session.scalars(
            select(Incident).where(Incident.kind == IncidentKind.PLATFORM).order_by(Incident.id)
        )
        return list(rows.all())


async def step_states(h: Harness, incident_id: int) -> set[StepState]:
    async with h.runtime.sessions() as session:
        rows = await session.scalars(select(ClockStep).where(ClockStep.incident_id == incident_id))
        return {s.state for s in rows.all()}


def created_channels(h: Harness) -> list[str]:
    return [
        str(c.response["channel"]["name"]) for c in h.slack.successful_calls("conversations.create")
    ]


def said(h: Harness, channel: str | None) -> str:
    assert channel is not None
    return "\n".join(str(m.get("text")) for m in h.slack.messages(channel))


def header_text(h: Harness, incident: Incident) -> str:
    return str(header(h, incident)["blocks"])


async def test_below_the_threshold_every_tenant_has_its_own_room(storm: Harness) -> None:
    h = storm
    await fire(h, "contoso")
    await fire(h, "fabrikam")
    found = await tenant_incidents(h)
    assert set(found) == {"contoso", "fabrikam"}
    assert all(i.channel_id and i.platform_incident_id is None for i in found.values())
    assert await platforms(h) == []
    assert len(created_channels(h)) == 2


async def test_at_the_threshold_one_platform_incident_takes_every_tenant_in(storm: Harness) -> None:
    h = storm
    await fire(h, "contoso")
    await fire(h, "fabrikam")
    await fire(h, "northwind")  # the third tenant within 5 minutes

    [platform] = await platforms(h)
    assert platform.channel_id and platform.signature_id == "identity-login-failures"
    found = await tenant_incidents(h)
    assert {t: i.platform_incident_id for t, i in found.items()} == {
        "contoso": platform.id,
        "fabrikam": platform.id,
        "northwind": platform.id,
    }
    # The third never got a room; the first two keep theirs and are told where to go.
    assert found["northwind"].channel_id is None
    for tenant in ("contoso", "fabrikam"):
        note = said(h, found[tenant].channel_id)
        assert f"linked to platform incident #{platform.number}" in note
        assert f"<#{platform.channel_id}>" in note
        assert await step_states(h, found[tenant].id) == {StepState.SUSPENDED}
    assert await step_states(h, found["northwind"].id) == {StepState.SUSPENDED}
    assert len(created_channels(h)) == 3  # two tenants' rooms and the platform's

    top = header_text(h, platform)
    assert "Affected tenants: 3" in top
    assert all(f"`{t}`" in top for t in found)
    linked = [e.text for e in await timeline(h, platform.id, EntryKind.PLATFORM)]
    assert any("hit 3 key tenants within 5m" in t for t in linked)

    # Later tenants are linked at once, without a channel of their own.
    await fire(h, "tailspin", "wingtip")
    found = await tenant_incidents(h)
    assert found["tailspin"].platform_incident_id == platform.id
    assert found["wingtip"].platform_incident_id == platform.id
    assert found["tailspin"].channel_id is None and found["wingtip"].channel_id is None
    assert len(created_channels(h)) == 3 and len(await platforms(h)) == 1
    assert "Affected tenants: 5" in header_text(h, platform)


async def test_the_window_limits_what_counts_as_one_storm(storm: Harness) -> None:
    h = storm
    await fire(h, "contoso")
    await fire(h, "fabrikam")
    h.clock.advance(6 * 60)  # the first two are older than the 5-minute window
    await fire(h, "northwind")
    assert await platforms(h) == []
    assert (await tenant_incidents(h))["northwind"].channel_id


async def test_without_a_storm_section_every_tenant_gets_its_own_incident(
    harness: Harness,
) -> None:
    h = harness
    await fire(h, "contoso", "fabrikam", "northwind")
    found = await tenant_incidents(h)
    assert len(found) == 3 and all(i.channel_id for i in found.values())
    assert all(i.platform_incident_id is None for i in found.values())
    assert await platforms(h) == []


async def test_a_responder_promotes_an_incident_to_a_platform_incident(storm: Harness) -> None:
    h = storm
    await fire(h, "contoso")
    await fire(h, "fabrikam")
    found = await tenant_incidents(h)
    room = str(found["contoso"].channel_id)

    await h.user("U0ONCALL1").command("/cre", "platform", channel_id=room)
    await settle()
    await h.drain()

    [platform] = await platforms(h)
    assert platform.channel_id
    found = await tenant_incidents(h)
    assert {i.platform_incident_id for i in found.values()} == {platform.id}
    [answer] = h.slack.ephemerals(room, "U0ONCALL1")
    assert f"Platform incident #{platform.number} now tracks 2 tenant incident(s)" in answer["text"]
    for incident in found.values():
        assert f"<#{platform.channel_id}>" in said(h, incident.channel_id)
        [entry] = await timeline(h, incident.id, EntryKind.PLATFORM)
        assert entry.actor == "U0ONCALL1"
    # Promoting again from the other room finds the same platform incident.
    await h.user("U0ONCALL1").command(
        "/cre", "platform", channel_id=str(found["fabrikam"].channel_id)
    )
    await settle()
    assert len(await platforms(h)) == 1


async def test_unlink_hands_a_tenant_back_and_link_takes_it_in_again(storm: Harness) -> None:
    h = storm
    await fire(h, "contoso", "fabrikam", "northwind")
    [platform] = await platforms(h)
    assert (await tenant_incidents(h))["northwind"].channel_id is None
    lead = h.user("U0ONCALL1")
    room = str(platform.channel_id)

    await lead.command("/cre", "unlink northwind", channel_id=room)
    await settle()
    await h.drain()
    northwind = (await tenant_incidents(h))["northwind"]
    assert northwind.platform_incident_id is None and northwind.platform_unlinked_at
    assert northwind.channel_id, "it gets the room it never had"
    assert StepState.PENDING in await step_states(h, northwind.id)
    assert "Unlinked incident" in h.slack.ephemerals(room, "U0ONCALL1")[-1]["text"]
    assert "Affected tenants: 2" in header_text(h, platform)

    # Storm detection leaves a tenant unlinked by hand alone.
    await fire(h, "tailspin")
    assert (await tenant_incidents(h))["northwind"].platform_incident_id is None

    await lead.command("/cre", "link northwind", channel_id=room)
    await settle()
    await h.drain()
    northwind = (await tenant_incidents(h))["northwind"]
    assert northwind.platform_incident_id == platform.id
    assert await step_states(h, northwind.id) <= {StepState.SUSPENDED, StepState.CANCELLED}
    assert f"<#{platform.channel_id}>" in said(h, northwind.channel_id)

    # Outside the platform channel, or for a tenant with no incident, it explains itself.
    await lead.command("/cre", "unlink nosuch", channel_id=room)
    await lead.command("/cre", "link contoso", channel_id=str(northwind.channel_id))
    await settle()
    assert "has no active incident" in h.slack.ephemerals(room, "U0ONCALL1")[-1]["text"]
    assert "platform incident's channel" in str(
        h.slack.ephemerals(str(northwind.channel_id), "U0ONCALL1")[-1]["text"]
    )


async def test_the_platform_header_says_when_the_storm_is_over(storm: Harness) -> None:
    h = storm
    await fire(h, "contoso", "fabrikam", "northwind")
    [platform] = await platforms(h)
    assert "The storm is over" not in header_text(h, platform)
    await fire(h, "contoso", "fabrikam", "northwind", status="resolved")
    assert "The storm is over" in header_text(h, platform)
