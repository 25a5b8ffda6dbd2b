"""Alerts that reached no owner, summarised in the triage channel: batched, never per alert."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update

from bot.clock import FakeClock
from bot.ingest.triage import TRIAGE_SUMMARY
from bot.outbox.models import OpStatus, OutboxOp
from tests.conftest import TEST_CONFIG
from tests.harness import WEBHOOK_TOKEN, Harness
from tests.test_webhooks_kit import am_alert, am_body, crebot

TRIAGE = "C0CRETRIAGE"
HOOK = {"Authorization": f"Bearer {WEBHOOK_TOKEN}"}


async def deliver(h: Harness, *alerts: dict) -> None:  # type: ignore[type-arg]
    answer = await h.http.post("/webhooks/alertmanager", json=am_body(*alerts), headers=HOOK)
    assert answer.status_code == 202, answer.text


def summary_text(message: dict) -> str:  # type: ignore[type-arg]
    return message["text"] + "\n" + json.dumps(message["blocks"], ensure_ascii=False)


async def triage_ops(h: Harness) -> list[OutboxOp]:
    async with h.runtime.sessions() as session:
        stmt = select(OutboxOp).where(OutboxOp.kind == TRIAGE_SUMMARY).order_by(OutboxOp.id)
        return list((await session.scalars(stmt)).all())


async def to_next_minute(h: Harness) -> None:
    now = h.clock.now()
    h.clock.set(now.replace(second=0, microsecond=0) + timedelta(minutes=1, seconds=1))


async def test_one_summary_per_window_however_many_alerts(harness: Harness) -> None:
    h = harness
    h.clock.set(h.clock.now().replace(second=5, microsecond=0))
    await deliver(
        h,
        am_alert(None, "TenantLoginSuccessRateLow", fingerprint="u1", cluster="eu"),
        am_alert(None, "TenantLoginSuccessRateLow", fingerprint="u2", cluster="us"),
        am_alert("tailspin", "TenantApi5xxRateHigh"),
        am_alert("contoso", "<!channel> DiskAlmostFull"),  # key tenant, no playbook
        am_alert("contoso", "TenantLoginSuccessRateLow"),  # routed to its owner: not triage
    )
    h.clock.advance(timedelta(seconds=20))
    await deliver(h, am_alert("wingtip", "TenantApi5xxRateHigh"))
    await deliver(h, am_alert("wingtip", "TenantApi5xxRateHigh"))  # a redelivery adds nothing
    assert len(await triage_ops(h)) == 1

    await h.drain()  # the window is still open: nothing is posted yet
    assert h.slack.messages(TRIAGE) == []

    await to_next_minute(h)
    h.clock.advance(timedelta(seconds=15))  # past the window and its grace
    await h.drain()
    [message] = h.slack.messages(TRIAGE)
    text = summary_text(message)
    assert message["text"].startswith("5 alerts reached no owner")
    assert "TenantLoginSuccessRateLow: 2 alerts" in text
    assert "TenantApi5xxRateHigh: 2 alerts · tailspin (1), wingtip (1)" in text
    assert "&lt;!channel&gt; DiskAlmostFull: 1 alert · contoso (1) · incident #" in text
    assert "<!channel>" not in text
    assert "*No tenant*" in text and "*Not a key tenant*" in text and "*Unclassified*" in text

    # The next minute's alerts are the next message, not an edit of this one.
    await deliver(h, am_alert(None, "TenantIngestionLagHigh"))
    await to_next_minute(h)
    h.clock.advance(timedelta(seconds=15))
    await h.drain()
    messages = h.slack.messages(TRIAGE)
    assert len(messages) == 2
    assert "TenantIngestionLagHigh: 1 alert" in summary_text(messages[1])


async def test_a_retried_summary_is_not_posted_twice(harness: Harness) -> None:
    h = harness
    await deliver(h, am_alert(None, "TenantLoginSuccessRateLow"))
    await to_next_minute(h)
    h.clock.advance(timedelta(seconds=15))
    await h.drain()
    [op] = await triage_ops(h)
    assert op.status is OpStatus.DONE and op.progress.get("ts")
    async with h.runtime.sessions() as session:  # as if the worker died after posting
        await session.execute(
            update(OutboxOp)
            .where(OutboxOp.id == op.id)
            .values(status=OpStatus.PENDING, next_attempt_at=h.clock.now())
        )
        await session.commit()
    await h.drain()
    assert len(h.slack.messages(TRIAGE)) == 1


async def test_a_slack_outage_delays_the_summary_and_loses_nothing(harness: Harness) -> None:
    h = harness
    await deliver(h, am_alert("tailspin", "TenantApi5xxRateHigh"))
    await to_next_minute(h)
    h.clock.advance(timedelta(seconds=15))
    h.slack.set_outage(True)
    await h.drain()
    assert h.slack.messages(TRIAGE) == []
    h.slack.set_outage(False)
    h.clock.advance(timedelta(minutes=10))
    await h.drain()
    [message] = h.slack.messages(TRIAGE)
    assert "tailspin" in summary_text(message)


async def test_without_a_triage_channel_nothing_is_queued(
    database_url: str, clock: FakeClock, tmp_path: Path
) -> None:
    config = tmp_path / "crebot.yaml"
    config.write_text(TEST_CONFIG.read_text().replace("  triage: C0CRETRIAGE\n", ""))
    async with crebot(database_url, clock, config_path=config) as c:
        await c.accepted("alertmanager", am_body(am_alert(None), am_alert("tailspin")))
        assert await c.ops(TRIAGE_SUMMARY) == []
        assert len(await c.alerts()) == 2
