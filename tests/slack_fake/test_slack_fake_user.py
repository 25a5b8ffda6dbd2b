"""SlackUser's modals and clicks, against a real Bolt app (tests/fakes/slack/standin_bot.py)."""

from __future__ import annotations

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack import SlackFake
from tests.fakes.slack.standin_bot import (
    StandinBot,
    declare_modal,
)
from tests.fakes.slack_user import SlackUser
from tests.slack_fake.conftest import ALICE


async def declare(user: SlackUser, fake: SlackFake, channel_id: str) -> str:
    response = await user.command("/cre", "declare", channel_id=channel_id)
    assert response.status_code == 200
    return str(fake.open_views(ALICE)[-1]["id"])


async def test_command_opens_a_modal_and_submit_posts(
    user: SlackUser, fake: SlackFake, bot: StandinBot
) -> None:
    channel_id = fake.add_channel("cre-team", members=[ALICE])
    view_id = await declare(user, fake, channel_id)
    command = bot.seen[0]
    assert command["command"] == "/cre" and command["text"] == "declare"
    assert command["channel_name"] == "cre-team"
    assert command["response_url"].startswith(fake.root_url)

    response = await user.submit(view_id, {"title": "Login failing", "severity": "sev1"})
    assert response.status_code == 200
    values = bot.seen[-1]["view"]["state"]["values"]
    assert values["title_blk"]["title"] == {"type": "plain_text_input", "value": "Login failing"}
    assert values["severity_blk"]["severity"]["selected_option"]["value"] == "sev1"
    assert values["owner_blk"]["owner"] == {"type": "users_select", "selected_user": None}
    assert fake.open_views(ALICE) == []
    assert fake.messages(channel_id)[-1]["text"] == "Incident: Login failing"


async def test_untouched_inputs_send_their_initial_value(
    user: SlackUser, fake: SlackFake, bot: StandinBot
) -> None:
    view_id = await declare(user, fake, fake.add_channel("cre-team"))
    await user.submit(view_id, {"title_blk.title": "DB down", "owner": "U0BOB"})
    values = bot.seen[-1]["view"]["state"]["values"]
    assert values["severity_blk"]["severity"]["selected_option"]["value"] == "sev3"
    assert values["owner_blk"]["owner"]["selected_user"] == "U0BOB"


async def test_submit_refuses_what_slack_would_refuse(user: SlackUser, fake: SlackFake) -> None:
    view_id = await declare(user, fake, fake.add_channel("cre-team"))
    with pytest.raises(AssertionError, match=r"required input title_blk\.title"):
        await user.submit(view_id, {})
    with pytest.raises(AssertionError, match="'sev9' is not an option"):
        await user.submit(view_id, {"title": "x", "severity": "sev9"})
    with pytest.raises(AssertionError, match="no input for"):
        await user.submit(view_id, {"title": "x", "colour": "red"})


async def test_submission_answers_change_the_modal(user: SlackUser, fake: SlackFake) -> None:
    channel_id = fake.add_channel("cre-team")
    view_id = await declare(user, fake, channel_id)
    await user.submit(view_id, {"title": "bad"})
    assert fake.view(view_id)["is_open"] and fake.view(view_id)["errors"] == {
        "title_blk": "Say more"
    }
    await user.submit(view_id, {"title": "update"})
    assert fake.view(view_id)["title"]["text"] == "Update"
    await user.submit(view_id, {"title": "push"})
    assert [v["title"]["text"] for v in fake.open_views(ALICE)] == ["Update", "Push"]
    await user.submit(fake.open_views(ALICE)[-1]["id"], {"title": "clear"})
    assert fake.open_views(ALICE) == []


async def test_close_sends_view_closed(user: SlackUser, fake: SlackFake, bot: StandinBot) -> None:
    view_id = await declare(user, fake, fake.add_channel("cre-team"))
    response = await user.close(view_id)
    assert response is not None and response.status_code == 200
    assert bot.seen[-1]["type"] == "view_closed" and not fake.view(view_id)["is_open"]


async def test_click_a_button_the_bot_posted(
    user: SlackUser, fake: SlackFake, bot: StandinBot
) -> None:
    channel_id = fake.add_channel("cre-team")
    await user.submit(await declare(user, fake, channel_id), {"title": "Login failing"})
    ts = fake.messages(channel_id)[-1]["ts"]
    with pytest.raises(AssertionError, match=r"it has \['incident_actions\.ack_incident'\]"):
        await user.click(channel_id, ts, "resolve_incident")
    response = await user.click(channel_id, ts, "ack_incident")
    assert response.status_code == 200
    payload = bot.seen[-1]
    assert payload["type"] == "block_actions"
    assert payload["container"] == {
        "type": "message",
        "message_ts": ts,
        "channel_id": channel_id,
        "is_ephemeral": False,
    }
    assert payload["actions"][0]["value"] == "inc-1"
    assert payload["actions"][0]["block_id"] == "incident_actions"
    assert payload["message"]["blocks"][1]["elements"][0]["action_id"] == "ack_incident"
    assert fake.find_message(channel_id, ts)["text"] == f"Acknowledged by <@{ALICE}>"  # type: ignore[index]
    assert fake.responses()[-1]["replace_original"] is True
    # replace_original with only text replaces the blocks too: nothing left to click.
    assert "blocks" not in fake.find_message(channel_id, ts)  # type: ignore[operator]


async def test_click_in_a_modal(fake: SlackFake, user: SlackUser, bot: StandinBot) -> None:
    teams = [
        {"text": {"type": "plain_text", "text": t}, "value": t} for t in ("identity", "billing")
    ]
    view = declare_modal("C0NONE")
    picker = {"type": "static_select", "action_id": "pick_team", "options": teams}
    view["blocks"].append({"type": "actions", "block_id": "team_blk", "elements": [picker]})
    client = AsyncWebClient(base_url=fake.url, token=fake.bot_token)
    opened = await client.views_open(trigger_id=fake.issue_trigger_id(ALICE), view=view)
    view_id = opened["view"]["id"]

    with pytest.raises(AssertionError, match="not an option"):
        await user.click_in_view(view_id, "pick_team", "legal")
    assert (await user.click_in_view(view_id, "pick_team", "identity")).status_code == 200
    payload = bot.seen[-1]
    assert payload["container"] == {"type": "view", "view_id": view_id}
    assert payload["actions"][0]["selected_option"]["value"] == "identity"
    chosen = payload["view"]["state"]["values"]["team_blk"]["pick_team"]
    assert chosen["selected_option"]["value"] == "identity"
    # What the user picked stays in the view and goes out with the submission.
    await user.submit(view_id, {"title": "Invoices wrong"})
    submitted = bot.seen[-1]["view"]["state"]["values"]
    assert submitted["team_blk"]["pick_team"]["selected_option"]["value"] == "identity"


async def test_click_on_an_ephemeral_message(
    fake: SlackFake, user: SlackUser, bot: StandinBot
) -> None:
    channel_id = fake.add_channel("cre-team", members=[ALICE])
    button = {
        "type": "button",
        "action_id": "ack_incident",
        "text": {"type": "plain_text", "text": "Acknowledge"},
        "value": "inc-9",
    }
    client = AsyncWebClient(base_url=fake.url, token=fake.bot_token)
    sent = await client.chat_postEphemeral(
        channel=channel_id,
        user=ALICE,
        text="Acknowledge?",
        blocks=[{"type": "actions", "elements": [button]}],
    )
    with pytest.raises(AssertionError, match="has value 'inc-9', not 'inc-1'"):
        await user.click(channel_id, sent["message_ts"], "ack_incident", value="inc-1")
    await user.click(channel_id, sent["message_ts"], "ack_incident", value="inc-9")
    assert bot.seen[-1]["container"]["is_ephemeral"] is True and "message" not in bot.seen[-1]
    assert fake.ephemerals(channel_id, ALICE)[0]["text"] == f"Acknowledged by <@{ALICE}>"
