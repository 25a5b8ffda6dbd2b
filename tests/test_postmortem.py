"""Done when: the postmortem renders for an incident that has every kind of timeline entry.
Also: `/cre postmortem` uploads it as a file, the API serves it, an operator's template
replaces the shipped one, and action items come from Slack."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.incidents import action_items, resolution, review
from bot.incidents import service as incidents
from bot.incidents.action_items import ParsedItem
from bot.incidents.models import ActionItem, TimelineEntry
from bot.incidents.review import GroupKey, GroupVerdict
from bot.incidents.service import CUSTOMER_REPORT
from bot.incidents.timeline import EntryKind, add_entry
from bot.ingest.models import Verdict
from bot.intake.models import IntakeRevision
from bot.notifications.models import (
    MessageKind,
    Notification,
    NotificationRevision,
    NotificationStatus,
)
from bot.reports.postmortem import render_postmortem
from bot.slack import ids
from tests.conftest import TEST_CONFIG
from tests.fakes.slack import SlackFake
from tests.harness import Harness, running_app
from tests.room_kit import incident, open_incident, settle

ONCALL = "U0ONCALL1"
TSR = GroupKey("generic", "TenantLoginSuccessRateLow")

# Kinds written by other parts of crebot through add_entry, each with a text to find.
OTHER_ENTRIES = {
    EntryKind.ALERT: "Alert TenantLoginSuccessRateLow firing",
    EntryKind.ALERT_RESOLVED: "Alert TenantLoginSuccessRateLow resolved",
    EntryKind.ALL_ALERTS_RESOLVED: "All alerts resolved",
    EntryKind.REMINDER: "Reminder: nobody has acknowledged yet",
    EntryKind.ESCALATION: "Escalated to <!subteam^S0CREONCALL2|@oncall-secondary>",
    EntryKind.INTAKE: "Intake revision 1 saved by <@U0ONCALL1>",
    EntryKind.NOTIFICATION: "Customer message (initial) delivered to <#C0CONTOSOEXT>",
    EntryKind.NOTE: "Rolled back <https://deploy.example/42|deploy 42> &amp; watched &lt;b&gt;",
    EntryKind.PINNED: "Login errors down to 0.1% at <!date^1767603600^{time}|09:00 UTC>",
    EntryKind.IMPACT_CONFIRMED: "Customer impact confirmed by <@U0ONCALL1>",
    EntryKind.OWNER: "Owner: identity",
    EntryKind.PLATFORM: "Linked to platform incident #9",
    CUSTOMER_REPORT: "The customer reported this too; <@U0CSAMCONTOSO> attached the report",
}


async def build_full_incident(h: Harness) -> int:
    """An incident that went through everything, with every kind of timeline entry."""
    incident_id = await open_incident(
        h,
        alerts=[{"labels": {"alertname": TSR.alertname}}, {"labels": {"alertname": TSR.alertname}}],
    )
    await h.drain()
    runtime, t0 = h.runtime, h.clock.now()
    async with runtime.sessions() as session:
        row = await incidents.get(session, incident_id)
        for minutes, (kind, text) in enumerate(OTHER_ENTRIES.items(), start=1):
            add_entry(
                session, incident_id, at=t0 + timedelta(seconds=minutes), kind=kind, text=text
            )
        session.add(
            IntakeRevision(
                incident_id=incident_id,
                revision=1,
                created_at=t0 + timedelta(minutes=3),
                created_by=ONCALL,
                tenant_id="contoso",
                impact_start=t0 - timedelta(minutes=5),
                symptom="errors",
                scope="tenant",
                check_result="confirmed",
                update_now="Logins fail for some users | EU",
                description="Users see 'invalid session'\nafter signing in",
            )
        )
        note = Notification(
            incident_id=incident_id,
            kind=MessageKind.INITIAL,
            status=NotificationStatus.DELIVERED,
            revision=1,
            created_at=t0 + timedelta(minutes=4),
            approved_revision=1,
            approved_by="U0CSAMCONTOSO",
            approved_at=t0 + timedelta(minutes=9),
            delivered_at=t0 + timedelta(minutes=10),
        )
        session.add(note)
        await session.flush()
        session.add(
            NotificationRevision(
                notification_id=note.id,
                revision=1,
                text="We detected an issue with sign-in.\nWe are on it &amp; will update you.",
                created_at=t0 + timedelta(minutes=4),
            )
        )
        await incidents.acknowledge(session, row, user=ONCALL, now=t0 + timedelta(minutes=2))
        await resolution.mitigate(
            session, row, user=ONCALL, now=t0 + timedelta(minutes=30), note="failover"
        )
        await resolution.resolve(
            session, runtime.domain, row, user=ONCALL, now=t0 + timedelta(minutes=50)
        )
        for text, owner, due in (
            ("Alert on login errors per tenant | not only globally", "U0IDENT1", "2026-03-01"),
            ("Write the failover runbook", None, None),
        ):
            await action_items.add(
                session,
                row,
                ParsedItem(text, owner, None if due is None else date.fromisoformat(due)),
                user=ONCALL,
                now=t0 + timedelta(minutes=55),
            )
        await review.review_incident(
            session,
            runtime.domain.config,
            row,
            user=ONCALL,
            now=t0 + timedelta(minutes=60),
            verdicts=[
                GroupVerdict(
                    TSR,
                    Verdict.TRUE_POSITIVE,
                    review.Calibration.THRESHOLD_TOO_LOOSE,
                    "fired 5m late",
                )
            ],
            note="Detection lagged: the alert waits for 5 minutes of errors.",
        )
        await session.commit()
    await h.drain()  # the review's Slack work: the summary, the archived channel
    return incident_id


async def test_the_postmortem_renders_an_incident_with_every_kind_of_timeline_entry(
    harness: Harness,
) -> None:
    h = harness
    incident_id = await build_full_incident(h)
    async with h.runtime.sessions() as session:
        kinds = set((await session.scalars(select(TimelineEntry.kind))).all())
        markdown = await render_postmortem(
            session, h.runtime.domain, incident_id, h.clock.now() + timedelta(hours=2)
        )
    assert {k.value for k in EntryKind} | {CUSTOMER_REPORT} <= kinds, "every kind is there"

    assert markdown.startswith(
        "# Postmortem: incident #1, Identity login failures for Contoso Ltd\n"
    )
    assert "*Blameless:" in markdown
    sections = [line for line in markdown.splitlines() if line.startswith("## ")]
    assert sections == [
        "## Summary",
        "## Impact window",
        "## Detection and response",
        "## Timeline (UTC)",
        "## Intake",
        "## Customer messages",
        "## Alert review",
        "## Action items",
    ]
    timeline = markdown.split("## Timeline (UTC)")[1].split("## Intake")[0]
    for kind in kinds:
        assert f" · {kind} · " in timeline, kind
    # Slack markup reads as Markdown outside Slack.
    assert "[deploy 42](https://deploy.example/42) & watched <b>" in timeline
    assert "@oncall-secondary" in timeline and "at 09:00 UTC" in timeline
    assert "delivered to #C0CONTOSOEXT" in timeline
    assert "Mitigated by @U0ONCALL1: failover" in timeline
    assert "Review: 2 true positive, 0 false positive alerts." in timeline

    assert "| Detected by | monitoring |" in markdown
    assert "- Duration: 35m 00s" in markdown  # intake start t0-5m to mitigation t0+30m
    for line in (
        "| time to detect | 5m 00s |",
        "| time to acknowledge | 2m 00s |",
        "| time to first customer message | 10m 00s |",
        "| time to mitigate | 30m 00s |",
        "| time to resolve | 50m 00s |",
    ):
        assert line in markdown
    assert "the response SLO (10m 00s, deadline" in markdown and "was **met**." in markdown
    assert "| symptom | errors |" in markdown
    assert "| what we know | Logins fail for some users \\| EU |" in markdown
    assert "| description | Users see 'invalid session' after signing in |" in markdown
    assert "### Initial message (delivered, revision 1)" in markdown
    assert "Approved by @U0CSAMCONTOSO" in markdown
    assert "> We detected an issue with sign-in.\n> We are on it & will update you." in markdown
    assert (
        "| `TenantLoginSuccessRateLow` | generic | 2 | true positive | "
        "threshold too loose (fired late): fired 5m late |"
    ) in markdown
    assert "Detection lagged: the alert waits for 5 minutes of errors." in markdown
    assert (
        "| open | Alert on login errors per tenant \\| not only globally | @U0IDENT1 | 2026-03-01 |"
    ) in markdown
    assert "| open | Write the failover runbook | – | – |" in markdown
    assert "None" not in markdown


async def test_cre_postmortem_uploads_a_markdown_file_and_the_api_serves_it(
    harness: Harness,
) -> None:
    h = harness
    incident_id = await build_full_incident(h)
    room = await incident(h, incident_id)
    channel = str(room.channel_id)
    # The reviewed channel was archived; a new channel shows the upload (the bot is in it).
    async with h.runtime.sessions() as session:
        row = await incidents.get(session, incident_id)
        row.channel_id = h.slack.add_channel("inc-1-postmortem", is_private=True)
        await session.commit()
    channel = str(row.channel_id)
    await h.user(ONCALL).command("/cre", f"postmortem #{incident_id}")
    await settle()
    assert "Writing the postmortem of incident #1" in h.slack.responses()[-1]["text"]
    await h.drain()
    [upload] = [m for m in h.slack.messages(channel) if m.get("files")]
    assert "The postmortem of incident #1, as <@U0ONCALL1> asked." == upload["text"]
    [file] = upload["files"]
    assert file["name"] == "postmortem-incident-1-contoso.md"
    assert file["title"] == "Postmortem: incident #1"
    content = h.slack.file(file["id"])["content"].decode()
    assert content.startswith("# Postmortem: incident #1, Identity login failures")

    answer = await h.http.get(f"/api/incidents/{incident_id}/postmortem", headers=h.api_headers())
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/markdown")
    assert answer.text.split("Generated by crebot")[0] == content.split("Generated by crebot")[0]
    assert (await h.http.get(f"/api/incidents/{incident_id}/postmortem")).status_code == 401
    missing = await h.http.get("/api/incidents/99/postmortem", headers=h.api_headers())
    assert missing.status_code == 404

    detail = (await h.http.get(f"/api/incidents/{incident_id}", headers=h.api_headers())).json()
    assert detail["figures"]["time_to_acknowledge"] == 120
    assert detail["figures"]["time_to_first_message"] == 600
    assert detail["figures"]["response_slo"] == "met"
    assert detail["review"]["alerts"] == {"true_positive": 2, "false_positive": 0, "unreviewed": 0}
    assert [a["text"] for a in detail["action_items"]][1] == "Write the failover runbook"
    assert detail["action_items"][0]["owner"] == "U0IDENT1"
    assert detail["action_items"][0]["due"] == "2026-03-01"


async def test_action_items_from_the_command_and_the_modal(harness: Harness) -> None:
    h = harness
    incident_id = await open_incident(h)
    await h.drain()
    room = await incident(h, incident_id)
    channel = str(room.channel_id)
    user = h.user(ONCALL)
    await user.command(
        "/cre",
        "action Page the identity team for <b>any</b> tenant <@U0IDENT2|ana> due 2026-02-15",
        channel_id=channel,
    )
    await settle()
    said = h.slack.responses()[-1]
    assert said["response_type"] == "in_channel"
    assert said["text"] == (
        "<@U0ONCALL1> added an action item to #1: Page the identity team for &lt;b&gt;any"
        "&lt;/b&gt; tenant, owner <@U0IDENT2>, due 2026-02-15."
    )
    await user.command("/cre", "action", channel_id=channel)
    await settle()
    [modal] = h.slack.open_views(ONCALL)
    assert modal["callback_id"] == ids.ACTION_ITEM_VIEW
    await user.submit(
        modal["id"],
        {
            ids.ACTION_TEXT: "Add a synthetic login probe",
            ids.ACTION_OWNER: "U0IDENT1",
            ids.ACTION_DUE: "2026-03-01",
        },
    )
    await settle()
    await user.command("/cre", "action @platform-team fix it due 7d", channel_id=channel)
    await settle()
    await user.command("/cre", "action due 2026-13-01", channel_id=channel)
    await settle()
    assert "is not a date" in h.slack.responses()[-1]["text"]
    async with h.runtime.sessions() as session:
        items = (await session.scalars(select(ActionItem).order_by(ActionItem.id))).all()
    assert [(i.text, i.owner, i.created_by) for i in items] == [
        ("Page the identity team for <b>any</b> tenant", "U0IDENT2", ONCALL),
        ("Add a synthetic login probe", "U0IDENT1", ONCALL),
        ("fix it", "platform-team", ONCALL),
    ]
    assert items[1].due_date is not None and items[1].due_date.date().isoformat() == "2026-03-01"
    assert items[2].due_date is not None
    assert items[2].due_date.date() == (h.clock.now() + timedelta(days=7)).date()
    assert any("Add a synthetic login probe" in m["text"] for m in h.slack.messages(channel))
    await h.drain()
    top = next(m for m in h.slack.messages(channel) if m["ts"] == room.header_ts)
    assert "3 action items" in str(top["blocks"])


@pytest.fixture
async def own_template(
    database_url: str, clock: FakeClock, slack_fake: SlackFake, tmp_path: Path
) -> AsyncIterator[tuple[Harness, Path]]:
    template = tmp_path / "postmortem.md.j2"
    template.write_text("# PM {{ incident.number }} for {{ tenant.name }}\n{{ impact.end }}\n")
    config = tmp_path / "crebot.yaml"
    config.write_text(
        TEST_CONFIG.read_text() + "review:\n  postmortem_template: postmortem.md.j2\n"
    )
    async with running_app(database_url, clock, slack=slack_fake, config_path=config) as (
        app,
        runtime,
        http,
    ):
        yield Harness(app, runtime, http, slack_fake, clock), template


async def test_an_operator_replaces_the_template(own_template: tuple[Harness, Path]) -> None:
    h, template = own_template
    incident_id = await open_incident(h)
    await h.drain()
    answer = await h.http.get(f"/api/incidents/{incident_id}/postmortem", headers=h.api_headers())
    assert answer.text == "# PM 1 for Contoso Ltd\n–\n"  # an ongoing impact has no end

    template.write_text("{{ incident.nmae }}")
    broken = await h.http.get(f"/api/incidents/{incident_id}/postmortem", headers=h.api_headers())
    assert broken.status_code == 500
    assert "nmae" in broken.json()["message"] and "postmortem.md.j2" in broken.json()["message"]

    channel = str((await incident(h, incident_id)).channel_id)
    await h.user(ONCALL).command("/cre", "postmortem", channel_id=channel)
    await settle()
    await h.drain()
    assert not [m for m in h.slack.messages(channel) if m.get("files")]
    assert any("could not be written" in m["text"] for m in h.slack.messages(channel))
