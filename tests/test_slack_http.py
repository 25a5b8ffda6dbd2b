"""Slack reaches the bot the way Slack does: signed HTTP requests to /slack/events."""

from __future__ import annotations

import time

from tests.harness import Harness


async def test_cre_help_reaches_slack_through_the_real_client(harness: Harness) -> None:
    user = harness.user("U0ONCALL1")
    answer = await user.command("/cre", "help")
    assert answer.status_code == 200
    await harness.settle()
    [reply] = harness.slack.responses()
    assert reply["response_type"] == "ephemeral"
    assert "/cre declare" in reply["text"] and "/cre ack" in reply["text"]
    assert reply["blocks"], "help is rendered as Block Kit too"


async def test_bare_command_and_unknown_subcommand_answer_with_help(harness: Harness) -> None:
    user = harness.user()
    await user.command("/cre", "")
    await user.command("/cre", "frobnicate <!channel>")
    await harness.settle()
    bare, unknown = harness.slack.responses()
    assert "/cre declare" in bare["text"]
    assert "I don't know `/cre frobnicate`" in unknown["text"]
    assert "<!channel>" not in str(unknown)


async def test_the_word_payload_in_a_command_is_not_mistaken_for_interactivity(
    harness: Harness,
) -> None:
    # slack-bolt's own parser turns any form body containing "payload" into {} (404).
    answer = await harness.user().command("/cre", "help payload-team")
    assert answer.status_code == 200
    await harness.settle()
    assert "/cre declare" in harness.slack.responses()[0]["text"]


async def test_bad_signature_is_refused(harness: Harness) -> None:
    answer = await harness.user().send(
        b"command=%2Fcre&text=help", "application/x-www-form-urlencoded", bad_signature=True
    )
    assert answer.status_code == 401
    assert harness.slack.responses() == []


async def test_timestamp_older_than_five_minutes_is_refused(harness: Harness) -> None:
    stale = int(time.time()) - 301
    answer = await harness.user().send(
        b"command=%2Fcre&text=help", "application/x-www-form-urlencoded", timestamp=stale
    )
    assert answer.status_code == 401
    fresh = await harness.user().send(
        b"command=%2Fcre&text=help&response_url=",
        "application/x-www-form-urlencoded",
        timestamp=int(time.time()) - 200,
    )
    assert fresh.status_code != 401


async def test_unsigned_and_garbage_bodies_get_clear_answers(harness: Harness) -> None:
    unsigned = await harness.http.post("/slack/events", content=b"command=%2Fcre")
    assert unsigned.status_code == 401
    garbage = await harness.http.post(
        "/slack/events",
        content=b"\xff\xfe not utf-8",
        headers={"X-Slack-Signature": "v0=00", "X-Slack-Request-Timestamp": str(int(time.time()))},
    )
    assert garbage.status_code == 400
    broken_json = await harness.user().send(b'{"type": "event_callback", ', "application/json")
    assert broken_json.status_code == 400


async def test_url_verification_echoes_the_challenge(harness: Harness) -> None:
    answer = await harness.user().url_verification("abc123")
    assert answer.status_code == 200 and answer.json()["challenge"] == "abc123"


async def test_an_event_delivered_twice_is_handled_once(harness: Harness) -> None:
    from sqlalchemy import func, select

    from bot.slack.models import SeenEvent

    user = harness.user()
    event = {
        "type": "app_mention",
        "user": user.user_id,
        "text": "hi",
        "channel": "C0SUPPORT",
        "ts": "1.000001",
        "event_ts": "1.000001",
    }
    first = await user.event(event, event_id="Ev0001")
    retry = await user.event(event, event_id="Ev0001", retry_num=1)
    assert first.status_code == 200 and retry.status_code == 200
    async with harness.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(SeenEvent)) == 1
