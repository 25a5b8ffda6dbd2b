"""Text from an alert or a person cannot ping, spoof or break anything in Slack."""

from __future__ import annotations

from bot.incidents import service
from bot.outbox.models import OpStatus
from bot.slack import ids
from tests.harness import Harness
from tests.room_kit import everything_sent, header, opened_room, outbox_ops, settle

INJECTIONS = ("<!channel>", "<!here>", "<@U123>", "<#C123>", "<https://evil", "<!subteam^S1>")
EVIL = (
    "Login down <!channel> <!here> ask <@U123> in <#C123> "
    "<https://evil.example|click> <!subteam^S1>"
)


def assert_nothing_unescaped(h: Harness) -> None:
    sent = everything_sent(h)
    assert sent, "something was sent"
    for text in sent:
        for raw in INJECTIONS:
            assert raw not in text, f"{raw!r} reached Slack unescaped in {text[:200]!r}"


async def test_mentions_and_links_in_an_alert_never_reach_slack_unescaped(
    harness: Harness,
) -> None:
    h = harness
    room = await opened_room(
        h,
        title=EVIL,
        alerts=[
            {
                "summary": EVIL,
                "description": f"{EVIL}\n" * 3,
                "labels": {"alertname": "TenantLoginSuccessRateLow", "team": EVIL, EVIL: "x"},
                "link": "https://grafana.example/alert/1",
            }
        ],
    )
    channel = str(room.channel_id)
    # Every place the alert's text can travel: header, topic, purpose, notices, listings.
    await h.user("U0ONCALL1").command("/cre", "status", channel_id=channel)
    await h.user("U0ONCALL1").command("/cre", "list")
    await h.user("U0STRANGER").click(channel, str(room.header_ts), ids.ACK)
    await h.user("U0ONCALL1").command("/cre", f"note {EVIL}", channel_id=channel)
    await h.user("U0ONCALL1").open_home()
    await settle()
    async with h.runtime.sessions() as session:
        row = await service.get(session, room.id)
        await service.acknowledge(session, row, user="U0ONCALL1", now=h.clock.now())
        await session.commit()
    await h.drain()

    assert_nothing_unescaped(h)
    assert "&lt;!channel&gt;" in str(header(h, room)["blocks"]), "shown as text, not dropped"
    assert "&lt;@U123&gt;" in h.slack.channel(channel)["purpose"]["value"]
    assert h.slack.published_home("U0ONCALL1") is not None
    assert {op.status for op in await outbox_ops(h)} == {OpStatus.DONE}


async def test_a_huge_alert_is_shortened_with_a_link_not_rejected(harness: Harness) -> None:
    h = harness
    room = await opened_room(
        h,
        title="x" * 300,
        alerts=[
            {
                "summary": "S" * 5000,
                "description": "<b>stack trace</b>\n" * 2000,
                "labels": {f"label{i}": "v" * 300 for i in range(200)},
                "link": "https://grafana.example/alert/1?a=1&b=<2>|3",
            }
        ],
    )
    assert {op.status for op in await outbox_ops(h)} == {OpStatus.DONE}
    assert [c for c in h.slack.calls if c.error == "invalid_blocks"] == []
    shown = str(header(h, room)["blocks"])
    assert "shortened: see <https://grafana.example/alert/1?a=1&b=%3C2%3E%7C3|" in shown
    assert "(+192 more)" in shown
    assert len(h.slack.channel(str(room.channel_id))["purpose"]["value"]) <= 250
