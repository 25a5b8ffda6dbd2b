"""Messages in the Slack fake: posting, Block Kit checks, pins, reactions, response URLs."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack import SlackFake
from tests.fakes.slack.expect import refused
from tests.slack_fake.conftest import section

# messages ------------------------------------------------------------------------------


async def test_messages_keep_text_blocks_threads_and_monotonic_ts(
    fake: SlackFake, client: AsyncWebClient
) -> None:
    channel_id = fake.add_channel("inc-4")
    first = await client.chat_postMessage(channel=channel_id, text="first", blocks=[section("a")])
    second = await client.chat_postMessage(channel=channel_id, text="second", thread_ts=first["ts"])
    assert float(second["ts"]) > float(first["ts"])
    assert all(len(m["ts"].split(".")[1]) == 6 for m in fake.messages(channel_id))
    parent = fake.find_message(channel_id, first["ts"])
    assert parent is not None
    assert parent["user"] == fake.bot_user_id and parent["reply_count"] == 1
    assert parent["blocks"][0]["block_id"]  # Slack fills in block ids
    reply = fake.find_message(channel_id, second["ts"])
    assert reply is not None and reply["thread_ts"] == first["ts"]
    link = await client.chat_getPermalink(channel=channel_id, message_ts=second["ts"])
    assert link["permalink"].startswith(f"https://{fake.team_domain}.slack.com/archives/")
    assert f"thread_ts={first['ts']}" in link["permalink"]


async def test_no_text(fake: SlackFake, client: AsyncWebClient) -> None:
    channel_id = fake.add_channel("inc-5")
    empty = client.api_call("chat.postMessage", json={"channel": channel_id})
    assert (await refused(empty))["error"] == "no_text"


async def test_long_text_is_truncated_with_a_warning(
    fake: SlackFake, client: AsyncWebClient
) -> None:
    channel_id = fake.add_channel("inc-6")
    response = await client.chat_postMessage(channel=channel_id, text="x" * 40_100)
    assert response["warning"] == "message_truncated"
    assert response["response_metadata"]["warnings"] == ["message_truncated"]
    assert "truncated" in response["response_metadata"]["messages"][0]
    assert len(fake.messages(channel_id)[0]["text"]) == 40_000


async def test_update_and_history(fake: SlackFake, client: AsyncWebClient) -> None:
    channel_id = fake.add_channel("inc-7")
    ts = (await client.chat_postMessage(channel=channel_id, text="v1", blocks=[section("a")]))["ts"]
    await client.chat_update(channel=channel_id, ts=ts, text="v2")
    too_long = await refused(client.chat_update(channel=channel_id, ts=ts, text="x" * 4001))
    assert too_long["error"] == "msg_too_long"
    missing = await refused(client.chat_update(channel=channel_id, ts="1.000001", text="v3"))
    assert missing["error"] == "message_not_found"
    message = fake.find_message(channel_id, ts)
    assert message is not None
    assert message["text"] == "v2" and message["edited"]["user"] == fake.bot_user_id
    assert message["blocks"][0]["type"] == "section"  # blocks left out are kept
    assert [m["text"] for m in fake.message_history(channel_id, ts)] == ["v1"]


async def test_ephemeral_messages(fake: SlackFake, client: AsyncWebClient) -> None:
    channel_id = fake.add_channel("inc-8", members=["U0ALICE"])
    sent = await client.chat_postEphemeral(channel=channel_id, user="U0ALICE", text="only you")
    assert sent["message_ts"]
    stranger = client.chat_postEphemeral(channel=channel_id, user="U0BOB", text="hm")
    assert (await refused(stranger))["error"] == "user_not_in_channel"
    long = client.chat_postEphemeral(channel=channel_id, user="U0ALICE", text="x" * 4001)
    assert (await refused(long))["error"] == "msg_too_long"
    assert [m["text"] for m in fake.ephemerals(channel_id, "U0ALICE")] == ["only you"]
    assert fake.messages(channel_id) == []


# Block Kit -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("blocks", "pointer"),
    [
        ([section("x" * 3001)], "/blocks/0/text/text"),
        ([{"type": "divider"}] * 51, "/blocks"),
        (
            [
                {"type": "divider"},
                {"type": "header", "text": {"type": "plain_text", "text": "h" * 151}},
            ],
            "/blocks/1/text/text",
        ),
        (
            [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}],
            "/blocks/0/fields/0/text",
        ),
        (
            [{"type": "divider", "block_id": "a"}, {"type": "divider", "block_id": "a"}],
            "/blocks/1/block_id",
        ),
        ([{"type": "carousel_of_wonders"}], "/blocks/0/type"),
        (
            [
                {
                    "type": "actions",
                    "elements": [
                        {
                            "type": "button",
                            "action_id": "go",
                            "text": {"type": "plain_text", "text": "a"},
                        },
                        {
                            "type": "button",
                            "action_id": "go",
                            "text": {"type": "plain_text", "text": "b"},
                        },
                    ],
                }
            ],
            "/blocks/0/elements/1/action_id",
        ),
        (
            [
                {
                    "type": "actions",
                    "elements": [
                        {"type": "button", "text": {"type": "plain_text", "text": "b" * 76}}
                    ],
                }
            ],
            "/blocks/0",
        ),
    ],
)
async def test_invalid_blocks_name_the_json_pointer(
    fake: SlackFake, client: AsyncWebClient, blocks: list[dict[str, Any]], pointer: str
) -> None:
    channel_id = fake.add_channel("inc-blocks")
    body = await refused(client.chat_postMessage(channel=channel_id, text="t", blocks=blocks))
    assert body["error"] == "invalid_blocks"
    messages = body["response_metadata"]["messages"]
    assert any(
        m.startswith("[ERROR] ") and m.endswith(f"[json-pointer:{pointer}]") for m in messages
    ), messages
    assert fake.messages(channel_id) == []


async def test_section_text_message_matches_slack(fake: SlackFake, client: AsyncWebClient) -> None:
    channel_id = fake.add_channel("inc-9")
    body = await refused(
        client.chat_postMessage(channel=channel_id, text="t", blocks=[section("x" * 3001)])
    )
    assert body["response_metadata"]["messages"] == [
        "[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]"
    ]


def test_blocks_that_are_not_an_array(fake: SlackFake, sync_client: WebClient) -> None:
    channel_id = fake.add_channel("inc-10")
    for raw in ("not json", '{"type": "divider"}'):
        with pytest.raises(SlackApiError) as info:
            sync_client.api_call(
                "chat.postMessage", params={"channel": channel_id, "text": "t", "blocks": raw}
            )
        assert info.value.response["error"] == "invalid_blocks_format"


# pins, bookmarks, reactions ------------------------------------------------------------


async def test_pins_bookmarks_reactions(fake: SlackFake, client: AsyncWebClient) -> None:
    channel_id = fake.add_channel("inc-11")
    ts = (await client.chat_postMessage(channel=channel_id, text="summary"))["ts"]
    await client.pins_add(channel=channel_id, timestamp=ts)
    again = await refused(client.pins_add(channel=channel_id, timestamp=ts))
    assert again["error"] == "already_pinned"
    gone = await refused(client.pins_add(channel=channel_id, timestamp="1.000002"))
    assert gone["error"] == "message_not_found"
    assert fake.pins(channel_id) == [ts]
    assert (await client.pins_list(channel=channel_id))["items"][0]["message"]["ts"] == ts

    await client.bookmarks_add(
        channel_id=channel_id, title="Dashboard", type="link", link="https://grafana.example/d/1"
    )
    bad = client.bookmarks_add(channel_id=channel_id, title="x", type="link", link="grafana/d/1")
    assert (await refused(bad))["error"] == "invalid_link"
    assert [b["title"] for b in fake.bookmarks(channel_id)] == ["Dashboard"]

    await client.reactions_add(channel=channel_id, timestamp=ts, name="eyes")
    twice = await refused(client.reactions_add(channel=channel_id, timestamp=ts, name="eyes"))
    assert twice["error"] == "already_reacted"
    fake.add_reaction(channel_id, ts, "eyes", "U0ALICE")
    message = fake.find_message(channel_id, ts)
    assert message is not None
    assert message["reactions"] == [
        {"name": "eyes", "users": [fake.bot_user_id, "U0ALICE"], "count": 2}
    ]


# response urls -------------------------------------------------------------------------


async def test_response_urls(fake: SlackFake, client: AsyncWebClient) -> None:
    channel_id = fake.add_channel("inc-13", members=["U0ALICE"])
    ts = (await client.chat_postMessage(channel=channel_id, text="Declare?"))["ts"]
    command_url = fake.new_response_url(channel_id, "U0ALICE")
    button_url = fake.new_response_url(channel_id, "U0ALICE", message_ts=ts)
    async with httpx.AsyncClient() as http:
        for body in ({"text": "just you"}, {"response_type": "in_channel", "text": "everyone"}):
            answer = await http.post(command_url, json=body)
            assert answer.status_code == 200 and answer.json() == {"ok": True}
        await http.post(button_url, json={"replace_original": True, "text": "Declared"})
        bad = await http.post(button_url, json={"text": "x", "blocks": [section("x" * 3001)]})
        assert bad.json()["error"] == "invalid_blocks"
        for _ in range(3):
            await http.post(command_url, json={"text": "again"})
        used = await http.post(command_url, json={"text": "a sixth time"})
        assert used.status_code == 404 and used.json()["error"] == "used_url"
        await http.post(button_url, json={"delete_original": True})

    ephemeral = [m["text"] for m in fake.ephemerals(channel_id, "U0ALICE")]
    assert ephemeral == ["just you", "again", "again", "again"]
    assert [m["text"] for m in fake.messages(channel_id)] == ["everyone"]  # the original is deleted
    assert [m["text"] for m in fake.message_history(channel_id, ts)] == ["Declare?"]
    assert fake.responses(command_url)[1] == {"response_type": "in_channel", "text": "everyone"}
    assert len(fake.responses()) == 8  # the refused sixth answer is not recorded
