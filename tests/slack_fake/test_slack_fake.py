"""The Slack fake behaves like Slack, seen through the real slack_sdk clients."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack import SlackFake
from tests.fakes.slack.expect import refused
from tests.slack_fake.conftest import section

# identity and transport ----------------------------------------------------------------


async def test_auth_test_names_the_bot_and_sends_scopes(
    fake: SlackFake, client: AsyncWebClient
) -> None:
    response = await client.auth_test()
    assert response["user_id"] == fake.bot_user_id
    assert response["bot_id"] == fake.bot_id
    assert response["team_id"] == fake.team_id
    assert response["team"] and response["url"].startswith("https://")
    assert "chat:write" in response.headers["x-oauth-scopes"].split(",")


async def test_tokens_are_checked(fake: SlackFake) -> None:
    anonymous = AsyncWebClient(base_url=fake.url)
    assert (await refused(anonymous.auth_test()))["error"] == "not_authed"
    stranger = AsyncWebClient(base_url=fake.url, token="xoxb-someone-else")
    assert (await refused(stranger.auth_test()))["error"] == "invalid_auth"


def test_token_may_travel_as_a_form_argument(fake: SlackFake) -> None:
    client = WebClient(base_url=fake.url)
    assert client.api_call("auth.test", params={"token": fake.bot_token})["ok"] is True


async def test_unknown_method(client: AsyncWebClient) -> None:
    assert (await refused(client.api_call("chat.teleport")))["error"] == "unknown_method"


async def test_query_string_form_and_json_arguments_all_work(
    fake: SlackFake, client: AsyncWebClient, sync_client: WebClient
) -> None:
    # AsyncWebClient: query-string POST; sync WebClient: form body; chat.*: JSON.
    first = await client.conversations_create(name="inc-async")
    second = sync_client.conversations_create(name="inc-sync")
    channel_id = first["channel"]["id"]
    await client.chat_postMessage(channel=channel_id, text="json", blocks=[section("a")])
    sync_client.api_call(
        "chat.postMessage",
        params={"channel": channel_id, "text": "form", "blocks": '[{"type": "divider"}]'},
    )
    info = await client.conversations_info(channel=second["channel"]["id"])  # GET
    assert info["channel"]["name"] == "inc-sync"
    texts = [(m["text"], m["blocks"][0]["type"]) for m in fake.messages(channel_id)]
    assert texts == [("json", "section"), ("form", "divider")]


# channels ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("", "invalid_name_required"),
        ("x" * 81, "invalid_name_maxlength"),
        ("Inc-42", "invalid_name_specials"),
        ("inc 42", "invalid_name_specials"),
        ("inc-ünïcode", "invalid_name_specials"),
        ("--__--", "invalid_name_punctuation"),
    ],
)
async def test_channel_name_rules(client: AsyncWebClient, name: str, error: str) -> None:
    assert (await refused(client.conversations_create(name=name)))["error"] == error


async def test_created_channel_has_the_bot_as_member(
    fake: SlackFake, client: AsyncWebClient
) -> None:
    created = await client.conversations_create(name="x" * 80, is_private=True)
    channel = created["channel"]
    assert channel["is_private"] and channel["is_member"] and channel["creator"] == fake.bot_user_id
    assert fake.members(channel["id"]) == [fake.bot_user_id]
    assert fake.channel_by_name("x" * 80)["id"] == channel["id"]


async def test_name_taken_also_by_archived_channels(
    fake: SlackFake, client: AsyncWebClient
) -> None:
    fake.add_channel("support")
    assert (await refused(client.conversations_create(name="support")))["error"] == "name_taken"
    old = (await client.conversations_create(name="inc-old"))["channel"]["id"]
    await client.conversations_archive(channel=old)
    assert (await refused(client.conversations_create(name="inc-old")))["error"] == "name_taken"
    assert (await refused(client.conversations_archive(channel=old)))["error"] == "already_archived"
    posting = client.chat_postMessage(channel=old, text="hello?")
    assert (await refused(posting))["error"] == "is_archived"


async def test_invite_errors(fake: SlackFake, client: AsyncWebClient) -> None:
    channel_id = (await client.conversations_create(name="inc-1"))["channel"]["id"]
    await client.conversations_invite(channel=channel_id, users=["U0ALICE", "U0BOB"])
    assert fake.members(channel_id) == [fake.bot_user_id, "U0ALICE", "U0BOB"]

    again = await refused(client.conversations_invite(channel=channel_id, users="U0ALICE"))
    assert again["error"] == "already_in_channel"
    assert again["errors"] == [{"user": "U0ALICE", "ok": False, "error": "already_in_channel"}]
    myself = await refused(client.conversations_invite(channel=channel_id, users=fake.bot_user_id))
    assert myself["error"] == "cant_invite_self"
    # A user group id is not a user.
    group = await refused(client.conversations_invite(channel=channel_id, users="S0ONCALL"))
    assert group["error"] == "user_not_found"
    unknown = await refused(client.conversations_invite(channel="C0NOPE", users="U0ALICE"))
    assert unknown["error"] == "channel_not_found"


async def test_invite_partial_failure_and_force(fake: SlackFake, client: AsyncWebClient) -> None:
    channel_id = (await client.conversations_create(name="inc-2"))["channel"]["id"]
    await client.conversations_invite(channel=channel_id, users="U0ALICE")
    mixed = ["U0ALICE", "U0CAROL", "S0GROUP"]
    failed = await refused(client.conversations_invite(channel=channel_id, users=mixed))
    assert [e["error"] for e in failed["errors"]] == ["already_in_channel", "user_not_found"]
    assert "U0CAROL" not in fake.members(channel_id)  # nobody is invited without force

    forced = await client.conversations_invite(channel=channel_id, users=mixed, force=True)
    assert [e["user"] for e in forced["errors"]] == ["U0ALICE", "S0GROUP"]
    assert fake.members(channel_id) == [fake.bot_user_id, "U0ALICE", "U0CAROL"]


async def test_bot_outside_a_channel(fake: SlackFake, client: AsyncWebClient) -> None:
    public = fake.add_channel("customer-public", bot_member=False)
    secret = fake.add_channel("leads-private", is_private=True, bot_member=False)
    invite = await refused(client.conversations_invite(channel=public, users="U0ALICE"))
    assert invite["error"] == "not_in_channel"
    topic = await refused(client.conversations_setTopic(channel=public, topic="hi"))
    assert topic["error"] == "not_in_channel"
    # chat:write.public lets the bot post in public channels it has not joined...
    await client.chat_postMessage(channel=public, text="hello")
    # ...and private channels it is not in do not exist for it.
    hidden = await refused(client.chat_postMessage(channel=secret, text="hello"))
    assert hidden["error"] == "channel_not_found"


async def test_without_chat_write_public() -> None:
    with SlackFake(chat_write_public=False) as fake:
        client = AsyncWebClient(base_url=fake.url, token=fake.bot_token)
        public = fake.add_channel("announcements", bot_member=False)
        posting = client.chat_postMessage(channel=public, text="hello")
        assert (await refused(posting))["error"] == "not_in_channel"
        scopes = (await client.auth_test()).headers["x-oauth-scopes"]
        assert "chat:write.public" not in scopes.split(",")


async def test_topic_and_purpose(fake: SlackFake, client: AsyncWebClient) -> None:
    channel_id = (await client.conversations_create(name="inc-3"))["channel"]["id"]
    await client.conversations_setTopic(channel=channel_id, topic="t" * 250)
    await client.conversations_setPurpose(channel=channel_id, purpose="Contoso login failures")
    too_long = await refused(client.conversations_setTopic(channel=channel_id, topic="t" * 251))
    assert too_long["error"] == "too_long"
    channel = fake.channel(channel_id)
    assert channel["topic"]["value"] == "t" * 250
    assert channel["purpose"]["value"] == "Contoso login failures"


async def test_members_join_and_dms(fake: SlackFake, client: AsyncWebClient) -> None:
    public = fake.add_channel("general-ops", bot_member=False, members=["U0ALICE"])
    joined = await client.conversations_join(channel=public)
    assert joined["channel"]["is_member"]
    page = await client.conversations_members(channel=public, limit=1)
    assert page["members"] == ["U0ALICE"] and page["response_metadata"]["next_cursor"]
    rest = await client.conversations_members(
        channel=public, cursor=page["response_metadata"]["next_cursor"]
    )
    assert rest["members"] == [fake.bot_user_id]

    opened = await client.conversations_open(users="U0ALICE")
    dm = opened["channel"]["id"]
    assert dm.startswith("D")
    await client.chat_postMessage(channel=dm, text="you are paged")
    await client.chat_postMessage(channel="U0ALICE", text="by user id too")
    assert [m["text"] for m in fake.dms("U0ALICE")] == ["you are paged", "by user id too"]


# users and groups ----------------------------------------------------------------------


async def test_users_and_usergroups(fake: SlackFake, client: AsyncWebClient) -> None:
    fake.add_user("U0ALICE", "alice", email="alice@example.com", tz="Europe/London")
    fake.add_usergroup("S0ONCALL", users=["U0ALICE", "U0BOB"])
    info = await client.users_info(user="U0ALICE")
    assert info["user"]["tz"] == "Europe/London"
    assert info["user"]["profile"]["email"] == "alice@example.com"
    found = await client.users_lookupByEmail(email="Alice@Example.com")
    assert found["user"]["id"] == "U0ALICE"
    nobody = await refused(client.users_lookupByEmail(email="nobody@example.com"))
    assert nobody["error"] == "users_not_found"
    group = await client.usergroups_users_list(usergroup="S0ONCALL")
    assert group["users"] == ["U0ALICE", "U0BOB"]
    missing = await refused(client.usergroups_users_list(usergroup="S0NOPE"))
    assert missing["error"] == "no_such_subteam"
    assert (await refused(client.users_info(user="S0ONCALL")))["error"] == "user_not_found"


async def test_strict_users() -> None:
    with SlackFake(auto_users=False) as fake:
        client = AsyncWebClient(base_url=fake.url, token=fake.bot_token)
        fake.add_user("U0ALICE", "alice")
        channel_id = fake.add_channel("inc-strict")
        failed = await refused(client.conversations_invite(channel=channel_id, users="U0BOB"))
        assert failed["error"] == "user_not_found"
        await client.conversations_invite(channel=channel_id, users="U0ALICE")


# request log ---------------------------------------------------------------------------


async def test_request_log(fake: SlackFake, client: AsyncWebClient) -> None:
    channel_id = fake.add_channel("inc-12")
    await client.chat_postMessage(channel=channel_id, text="hello", blocks=[section("a")])
    await refused(client.conversations_create(name="Bad Name"))
    posted = fake.calls_to("chat.postMessage")
    assert len(posted) == 1
    call = posted[0]
    assert call.ok and call.status == 200 and call.error is None
    assert call.args["channel"] == channel_id and call.args["blocks"][0]["type"] == "section"
    assert "token" not in call.args
    failed = fake.calls_to("conversations.create")[0]
    assert (failed.ok, failed.error) == (False, "invalid_name_specials")
    assert [c.method for c in fake.successful_calls()] == ["chat.postMessage"]
    assert fake.successful_calls("conversations.create") == []


async def test_faults_for_one_token_only(fake: SlackFake, client: AsyncWebClient) -> None:
    fake.fail("auth.test", error="token_revoked", token="xoxb-old", times=None)
    assert (await client.auth_test())["ok"]
    old = AsyncWebClient(base_url=fake.url, token="xoxb-old")
    assert (await refused(old.auth_test()))["error"] == "token_revoked"


async def test_socket_mode_is_not_served(fake: SlackFake, client: AsyncWebClient) -> None:
    # Socket Mode needs an app-level token the fake does not know.
    unknown = await refused(client.apps_connections_open(app_token="xapp-fake"))
    assert unknown["error"] == "invalid_auth"
    wrong_kind = await refused(client.apps_connections_open(app_token=fake.bot_token))
    assert wrong_kind["error"] == "not_allowed_token_type"
