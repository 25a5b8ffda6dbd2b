"""SlackUser's shortcuts, events and request signing, against a real Bolt app."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import parse_qs

import httpx
from slack_sdk.signature import SignatureVerifier

from tests.fakes.slack import SlackFake
from tests.fakes.slack.standin_bot import SIGNING_SECRET, StandinBot
from tests.fakes.slack_user import SlackUser
from tests.slack_fake.conftest import ALICE


async def test_shortcuts_and_events(
    user: SlackUser,
    fake: SlackFake,
    bot: StandinBot,
) -> None:
    channel_id = fake.add_channel("cre-team", members=[ALICE])
    ts = fake.post_as_user(channel_id, "U0CUSTOMER", "our logins fail")
    assert (await user.message_shortcut("declare_from_message", channel_id, ts)).status_code == 200
    shortcut = bot.seen[-1]
    assert shortcut["type"] == "message_action" and shortcut["message"]["text"] == "our logins fail"
    assert (await user.global_shortcut("declare_global")).status_code == 200
    assert bot.seen[-1]["type"] == "shortcut" and bot.seen[-1]["trigger_id"]

    assert (await user.react(channel_id, ts, "rotating_light")).status_code == 200
    delivered = await asyncio.wait_for(bot.events.get(), timeout=5)
    assert delivered["event"]["reaction"] == "rotating_light"
    assert delivered["event_id"] == user.last_event_id
    reactions = fake.find_message(channel_id, ts)["reactions"]  # type: ignore[index]
    assert reactions == [{"name": "rotating_light", "users": [ALICE], "count": 1}]

    await user.open_home()
    await asyncio.wait_for(bot.events.get(), timeout=5)
    home = fake.published_home(ALICE)
    assert home is not None and home["blocks"][0]["text"]["text"] == "Hi"


async def test_url_verification(user: SlackUser) -> None:
    response = await user.url_verification("abc123")
    assert response.status_code == 200 and response.json() == {"challenge": "abc123"}


async def test_bolt_rejects_bad_and_stale_signatures(user: SlackUser) -> None:
    user.bad_signature = True
    assert (await user.global_shortcut("declare_global")).status_code == 401
    user.bad_signature = False
    user.timestamp = int(user.clock.now().timestamp()) - 600
    assert (await user.global_shortcut("declare_global")).status_code == 401


# signing, checked without Bolt ----------------------------------------------------------


class Recorder:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(200)


async def test_signature_verifies_over_the_exact_bytes(fake: SlackFake) -> None:
    recorder = Recorder()
    async with httpx.AsyncClient(
        transport=httpx.MockTransport(recorder), base_url="http://bot"
    ) as client:
        user = SlackUser(fake, client, signing_secret=SIGNING_SECRET, user_id=ALICE)
        await user.command("/cre", "payload service down")
        await user.event({"type": "app_mention", "text": "hi"})
    verifier = SignatureVerifier(SIGNING_SECRET)
    for request in recorder.requests:
        headers = {k: v for k, v in request.headers.items()}
        assert verifier.is_valid_request(request.content, headers)
    form = parse_qs(recorder.requests[0].content.decode())
    assert form["text"] == ["payload service down"] and form["user_id"] == [ALICE]
    assert form["trigger_id"][0].count(".") == 2
    assert json.loads(recorder.requests[1].content)["type"] == "event_callback"


async def test_slack_documented_signature_vector(fake: SlackFake) -> None:
    # Slack's "verifying requests" example (secret, timestamp, body and signature).
    body = (
        "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
        "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect"
        "&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554"
        "%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
    )
    recorder = Recorder()
    async with httpx.AsyncClient(
        transport=httpx.MockTransport(recorder), base_url="http://bot"
    ) as client:
        user = SlackUser(
            fake, client, signing_secret="8f742231b10e8888abcd99yyyzzz85a5", user_id=ALICE
        )
        await user.send(body.encode(), "application/x-www-form-urlencoded", timestamp=1531420618)
    sent = recorder.requests[0]
    assert sent.headers["X-Slack-Request-Timestamp"] == "1531420618"
    assert sent.headers["X-Slack-Signature"] == (
        "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
    )
