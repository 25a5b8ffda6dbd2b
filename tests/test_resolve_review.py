"""The alert review in Slack: the modal of a resolved incident, the untenanted/non-key/
unclassified groups, `/cre review`, the team's summary and the archived channel."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.incidents.models import Incident
from bot.incidents.review import GroupKey
from bot.incidents.states import IncidentStatus
from bot.incidents.timeline import EntryKind
from bot.ingest.alert import AlertStatus
from bot.ingest.models import AlertRecord, Disposition, Verdict
from bot.outbox.models import OpStatus
from bot.slack import ids
from bot.slack.blocks.review import group_token
from tests.conftest import TEST_CONFIG
from tests.fakes.slack import SlackFake
from tests.harness import Harness, running_app
from tests.room_kit import incident, open_incident, outbox_ops, settle, timeline

ONCALL = "U0ONCALL1"
TSR = GroupKey("generic", "TenantLoginSuccessRateLow")
LER = GroupKey("generic", "LoginErrorRateHigh")


async def resolved_room(h: Harness) -> Incident:
    incident_id = await open_incident(
        h,
        alerts=[
            {"labels": {"alertname": TSR.alertname}},
            {"labels": {"alertname": TSR.alertname}, "status": AlertStatus.RESOLVED},
            {"labels": {"alertname": LER.alertname}},
        ],
    )
    await h.drain()
    room = await incident(h, incident_id)
    channel = str(room.channel_id)
    user = h.user(ONCALL)
    await user.command("/cre", "ack", channel_id=channel)
    await settle()
    h.clock.advance(timedelta(minutes=40))
    await user.command("/cre", "resolve", channel_id=channel)
    await settle()
    await h.drain()
    return await incident(h, incident_id)


def nudge(h: Harness, room: Incident) -> dict[str, Any]:
    [found] = [m for m in h.slack.messages(str(room.channel_id)) if "Resolved by" in m["text"]]
    return found


async def alerts_of(h: Harness, incident_id: int | None = None) -> list[AlertRecord]:
    async with h.runtime.sessions() as session:
        stmt = select(AlertRecord).order_by(AlertRecord.id)
        if incident_id is not None:
            stmt = stmt.where(AlertRecord.incident_id == incident_id)
        return list((await session.scalars(stmt)).all())


async def test_the_review_modal_records_verdicts_and_archives_the_channel(
    harness: Harness,
) -> None:
    h = harness
    room = await resolved_room(h)
    channel = str(room.channel_id)
    h.clock.advance(timedelta(hours=20))
    await h.user("U0IDENT1").click(channel, nudge(h, room)["ts"], ids.REVIEW_OPEN)
    await settle()
    [modal] = h.slack.open_views("U0IDENT1")
    assert modal["callback_id"] == ids.REVIEW_VIEW
    labels = [str(b.get("label", {}).get("text")) for b in modal["blocks"]]
    assert "TenantLoginSuccessRateLow (generic, 2 alerts, tenants contoso)" in labels
    assert "LoginErrorRateHigh (generic, 1 alerts, tenants contoso)" in labels

    tsr, ler = group_token(TSR), group_token(LER)
    await h.user("U0IDENT1").submit(
        modal["id"],
        {
            f"verdict:{tsr}.{ids.REVIEW_VERDICT}": "false_positive",
            f"calibration:{tsr}.{ids.REVIEW_CALIBRATION}": "threshold_too_tight",
            f"note:{tsr}.{ids.REVIEW_GROUP_NOTE}": "fires at 1% errors; customers notice at 5%",
            f"verdict:{ler}.{ids.REVIEW_VERDICT}": "true_positive",
            f"review_note.{ids.REVIEW_NOTE}": "The login dashboard lagged by 10 minutes.",
        },
    )
    assert not h.slack.open_views("U0IDENT1"), "a saved review closes the modal"

    reviewed = await incident(h, room.id)
    assert reviewed.status == IncidentStatus.REVIEWED
    assert reviewed.reviewed_at == h.clock.now()
    assert reviewed.review_note == "The login dashboard lagged by 10 minutes."
    assert not reviewed.false_positive, "one alert group was a true positive"
    by_name = {
        (a.alertname, a.verdict, a.calibration_note, a.reviewed_by)
        for a in await alerts_of(h, room.id)
    }
    assert by_name == {
        (
            TSR.alertname,
            Verdict.FALSE_POSITIVE,
            "threshold too tight: fires at 1% errors; customers notice at 5%",
            "U0IDENT1",
        ),
        (LER.alertname, Verdict.TRUE_POSITIVE, None, "U0IDENT1"),
    }
    [entry] = await timeline(h, room.id, EntryKind.REVIEW)
    assert entry.text.startswith("Review: 1 true positive, 2 false positive alerts")

    await h.drain()
    [summary] = [m for m in h.slack.messages("C0IDENTITY") if "Review of" in m["text"]]
    assert "Review of #1 Identity login failures for Contoso Ltd" in summary["text"]
    assert "1 true positive and 2 false positive alerts" in summary["text"]
    assert "threshold too tight: fires at 1% errors" in summary["text"]
    assert "The login dashboard lagged" in summary["text"]
    last = h.slack.messages(channel)[-1]
    assert "Review saved by <@U0IDENT1>" in last["text"] and "archived now" in last["text"]
    assert h.slack.channel(channel)["is_archived"]
    assert not [op for op in await outbox_ops(h) if op.status == OpStatus.DEAD]


async def test_a_new_alert_group_since_the_modal_opened_is_shown_as_an_error(
    harness: Harness,
) -> None:
    h = harness
    room = await resolved_room(h)
    await h.user(ONCALL).command("/cre", "review", channel_id=str(room.channel_id))
    await settle()
    [modal] = h.slack.open_views(ONCALL)  # in a resolved incident's channel: its review
    async with h.runtime.sessions() as session:
        late = (await alerts_of(h, room.id))[0]
        session.add(
            AlertRecord(
                source="grafana",
                dedup_key="late-1",
                occurrence="x",
                status=AlertStatus.FIRING,
                tenant="contoso",
                signature_id=room.signature_id,
                disposition=Disposition.INCIDENT,
                incident_id=room.id,
                alertname="LoginLatencyHigh",
                labels={},
                received_at=late.received_at,
            )
        )
        await session.commit()
    await h.user(ONCALL).submit(
        modal["id"],
        {
            f"verdict:{group_token(TSR)}.{ids.REVIEW_VERDICT}": "true_positive",
            f"verdict:{group_token(LER)}.{ids.REVIEW_VERDICT}": "true_positive",
        },
    )
    shown = h.slack.view(modal["id"])
    assert shown["is_open"]
    assert "LoginLatencyHigh from grafana" in str(shown["errors"])
    assert (await incident(h, room.id)).status == IncidentStatus.RESOLVED
    assert all(a.verdict is None for a in await alerts_of(h, room.id))


def group_value(alertname: str) -> str:
    return json.dumps({"source": "alertmanager", "alertname": alertname})


def triage_alert(n: int, alertname: str, source: str, **fields: Any) -> AlertRecord:
    from datetime import UTC, datetime

    when = datetime(2026, 1, 5, 9, n, tzinfo=UTC)
    values: dict[str, Any] = {
        "source": source,
        "dedup_key": f"triage-{n}",
        "occurrence": when.isoformat(),
        "status": AlertStatus.FIRING,
        "tenant": None,
        "signature_id": None,
        "disposition": Disposition.UNTENANTED,
        "incident_id": None,
        "alertname": alertname,
        "labels": {"alertname": alertname},
        "starts_at": when,
        "received_at": when,
    }
    values.update(fields)
    return AlertRecord(**values)


async def test_cre_review_lists_what_is_left_and_reviews_alert_groups(harness: Harness) -> None:
    h = harness
    room = await resolved_room(h)
    # No playbook matched: the alert opened an incident, and is where a signature is missing.
    await open_incident(h, playbook="unclassified", alerts=[{"labels": {"alertname": "Mystery"}}])
    async with h.runtime.sessions() as session:
        session.add_all(
            [
                triage_alert(1, "DiskFull", "alertmanager"),
                triage_alert(2, "DiskFull", "alertmanager"),
                triage_alert(
                    3,
                    "TenantLoginSuccessRateLow",
                    "alertmanager",
                    tenant="tailspin",
                    signature_id="identity-login-failures",
                    disposition=Disposition.NON_KEY,
                ),
            ]
        )
        await session.commit()
    user = h.user(ONCALL)
    await user.command("/cre", "review")  # in the user's DM: the list
    await settle()
    answer = h.slack.responses()[-1]
    assert answer["text"] == (
        "Still to review: 1 resolved incidents, 4 untenanted, non-key or unclassified alerts "
        "in 3 groups."
    )
    listing = str(answer["blocks"])
    assert f"#{room.id} " in listing and f"<#{room.channel_id}>" in listing
    assert "`DiskFull` from alertmanager · 2 alerts · no tenant" in listing
    assert "`TenantLoginSuccessRateLow` from alertmanager · 1 alerts · tailspin" in listing
    assert "`Mystery` from generic · 1 alerts · contoso" in listing

    dm = h.slack.dm_channel_id(ONCALL)
    [shown] = h.slack.ephemerals(dm, ONCALL)
    await user.click(
        dm,
        shown["ts"],
        ids.REVIEW_GROUP_OPEN,
        value='{"source": "alertmanager", "alertname": "TenantLoginSuccessRateLow"}',
    )
    await settle()
    [modal] = h.slack.open_views(ONCALL)
    assert modal["callback_id"] == ids.GROUP_REVIEW_VIEW
    await user.submit(
        modal["id"],
        {
            ids.REVIEW_VERDICT: "false_positive",
            ids.REVIEW_CALIBRATION: "wrong_tenant_mapping",
            ids.REVIEW_GROUP_NOTE: "tailspin is contoso's staging tenant",
        },
    )
    [tailspin] = [a for a in await alerts_of(h) if a.tenant == "tailspin"]
    assert tailspin.verdict == Verdict.FALSE_POSITIVE
    assert tailspin.calibration_note == "wrong tenant mapping: tailspin is contoso's staging tenant"
    await h.drain()
    # The alerts' signature is identity's: its team hears of it.
    [summary] = [m for m in h.slack.messages("C0IDENTITY") if "reviewed" in m["text"]]
    assert "reviewed 1 untenanted, non-key or unclassified alerts" in summary["text"]
    assert "(tenants tailspin): false positive (wrong tenant mapping" in summary["text"]

    [disk] = [b for b in h.slack.ephemerals(dm, ONCALL)][-1:]
    await user.click(
        dm,
        disk["ts"],
        ids.REVIEW_GROUP_OPEN,
        value='{"source": "alertmanager", "alertname": "DiskFull"}',
    )
    await settle()
    [modal] = h.slack.open_views(ONCALL)
    await user.submit(modal["id"], {ids.REVIEW_VERDICT: "true_positive"})
    await h.drain()
    [triage] = h.slack.messages("C0CRETRIAGE")[-1:]
    assert "reviewed 2 untenanted" in triage["text"] and "`DiskFull`" in triage["text"]

    await user.command("/cre", "review")
    await settle()
    assert h.slack.responses()[-1]["text"].endswith(
        " 1 untenanted, non-key or unclassified alerts in 1 groups."  # the unclassified one
    )


@pytest.fixture
async def keep_channels(
    database_url: str, clock: FakeClock, slack_fake: SlackFake, tmp_path: Path
) -> AsyncIterator[Harness]:
    config = tmp_path / "crebot.yaml"
    config.write_text(TEST_CONFIG.read_text() + "review:\n  archive_channel: false\n")
    async with running_app(database_url, clock, slack=slack_fake, config_path=config) as (
        app,
        runtime,
        http,
    ):
        yield Harness(app, runtime, http, slack_fake, clock)


async def test_without_archiving_the_channel_hears_of_the_review(keep_channels: Harness) -> None:
    h = keep_channels
    room = await resolved_room(h)
    await h.user(ONCALL).click(str(room.channel_id), nudge(h, room)["ts"], ids.REVIEW_OPEN)
    await settle()
    [modal] = h.slack.open_views(ONCALL)
    await h.user(ONCALL).submit(
        modal["id"],
        {
            f"verdict:{group_token(TSR)}.{ids.REVIEW_VERDICT}": "true_positive",
            f"verdict:{group_token(LER)}.{ids.REVIEW_VERDICT}": "true_positive",
        },
    )
    await h.drain()
    assert not h.slack.channel(str(room.channel_id))["is_archived"]
    last = h.slack.messages(str(room.channel_id))[-1]
    assert "Review saved by <@U0ONCALL1>: 3 true positive, 0 false positive alerts" in last["text"]
