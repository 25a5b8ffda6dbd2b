"""views.* in the Slack fake: trigger ids, the modal stack, hashes, validation, home tabs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import FakeClock
from tests.fakes.slack import SlackFake
from tests.fakes.slack.expect import refused

PROXY_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)
USER = "U0ALICE"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, clock: FakeClock) -> Iterator[SlackFake]:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    with SlackFake(clock=clock) as fake:
        yield fake
    assert fake.crashes == []


@pytest.fixture
def client(fake: SlackFake) -> AsyncWebClient:
    return AsyncWebClient(base_url=fake.url, token=fake.bot_token)


def modal(title: str = "Declare incident", **extra: Any) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": "declare",
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Declare"},
        "blocks": [
            {
                "type": "input",
                "block_id": "title_blk",
                "label": {"type": "plain_text", "text": "Title"},
                "element": {"type": "plain_text_input", "action_id": "title"},
            }
        ],
    }
    view.update(extra)
    return view


async def test_open_returns_a_view_and_the_fake_holds_it(
    fake: SlackFake, client: AsyncWebClient
) -> None:
    opened = await client.views_open(trigger_id=fake.issue_trigger_id(USER), view=modal())
    view = opened["view"]
    assert view["id"].startswith("V") and view["hash"] and view["state"] == {"values": {}}
    assert view["root_view_id"] == view["id"] and view["callback_id"] == "declare"
    assert [v["id"] for v in fake.open_views(USER)] == [view["id"]]
    assert fake.view(view["id"])["blocks"][0]["element"]["action_id"] == "title"


async def test_trigger_ids_expire_after_three_seconds(
    fake: SlackFake, client: AsyncWebClient, clock: FakeClock
) -> None:
    on_time = fake.issue_trigger_id(USER)
    late = fake.issue_trigger_id(USER)
    clock.advance(3)
    await client.views_open(trigger_id=on_time, view=modal())
    clock.advance(0.5)
    expired = await refused(client.views_open(trigger_id=late, view=modal()))
    assert expired["error"] == "expired_trigger_id"


async def test_trigger_ids_are_single_use_and_must_be_real(
    fake: SlackFake, client: AsyncWebClient
) -> None:
    trigger = fake.issue_trigger_id(USER)
    await client.views_open(trigger_id=trigger, view=modal())
    again = await refused(client.views_open(trigger_id=trigger, view=modal()))
    assert again["error"] == "exchanged_trigger_id"
    for made_up in ("12345.98765.abcdef", "not-a-trigger"):
        invalid = await refused(client.views_open(trigger_id=made_up, view=modal()))
        assert invalid["error"] == "invalid_trigger_id"


async def test_invalid_view_keeps_the_trigger(fake: SlackFake, client: AsyncWebClient) -> None:
    trigger = fake.issue_trigger_id(USER)
    bad = await refused(client.views_open(trigger_id=trigger, view=modal(title="t" * 25)))
    assert bad["error"] == "invalid_arguments"
    assert bad["response_metadata"]["messages"] == [
        "[ERROR] must be less than 24 characters [json-pointer:/view/title/text]"
    ]
    await client.views_open(trigger_id=trigger, view=modal(title="t" * 24))


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        ({"submit": None}, "/view/blocks/0/input"),
        ({"blocks": [{"type": "divider"}] * 101}, "/view/blocks"),
        ({"private_metadata": "m" * 3001}, "/view/private_metadata"),
        ({"close": {"type": "plain_text", "text": "c" * 25}}, "/view/close/text"),
        ({"type": "workflow_step"}, "/view/type"),
    ],
)
async def test_view_rules(
    fake: SlackFake, client: AsyncWebClient, change: dict[str, Any], pointer: str
) -> None:
    view = {k: v for k, v in {**modal(), **change}.items() if v is not None}
    bad = await refused(client.views_open(trigger_id=fake.issue_trigger_id(USER), view=view))
    assert bad["error"] == "invalid_arguments"
    assert any(
        m.endswith(f"[json-pointer:{pointer}]") for m in bad["response_metadata"]["messages"]
    )


async def test_view_too_large(fake: SlackFake, client: AsyncWebClient) -> None:
    huge = modal(private_metadata="m" * 260_000)
    bad = await refused(client.views_open(trigger_id=fake.issue_trigger_id(USER), view=huge))
    assert bad["error"] == "view_too_large"


async def test_push_limit_is_three(fake: SlackFake, client: AsyncWebClient) -> None:
    await client.views_open(trigger_id=fake.issue_trigger_id(USER), view=modal())
    await client.views_push(trigger_id=fake.issue_trigger_id(USER), view=modal(title="Second"))
    third = await client.views_push(
        trigger_id=fake.issue_trigger_id(USER), view=modal(title="Third")
    )
    assert third["view"]["previous_view_id"] == fake.open_views(USER)[1]["id"]
    assert third["view"]["root_view_id"] == fake.open_views(USER)[0]["id"]
    fourth = client.views_push(trigger_id=fake.issue_trigger_id(USER), view=modal(title="Fourth"))
    assert (await refused(fourth))["error"] == "push_limit_reached"
    assert len(fake.open_views(USER)) == 3


async def test_update_checks_the_hash(fake: SlackFake, client: AsyncWebClient) -> None:
    opened = (await client.views_open(trigger_id=fake.issue_trigger_id(USER), view=modal()))["view"]
    updated = await client.views_update(
        view_id=opened["id"], hash=opened["hash"], view=modal(title="Updated")
    )
    assert updated["view"]["hash"] != opened["hash"]
    stale = client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal())
    assert (await refused(stale))["error"] == "hash_conflict"
    assert fake.view(opened["id"])["title"]["text"] == "Updated"
    unknown = client.views_update(view_id="V0NOPE", view=modal())
    assert (await refused(unknown))["error"] == "not_found"


async def test_update_by_external_id(fake: SlackFake, client: AsyncWebClient) -> None:
    await client.views_open(
        trigger_id=fake.issue_trigger_id(USER), view=modal(external_id="incident-42")
    )
    updated = await client.views_update(external_id="incident-42", view=modal(title="Again"))
    assert updated["view"]["external_id"] == "incident-42"
    duplicate = client.views_open(
        trigger_id=fake.issue_trigger_id(USER), view=modal(external_id="incident-42")
    )
    assert (await refused(duplicate))["error"] == "duplicate_external_id"


async def test_publish_home(fake: SlackFake, client: AsyncWebClient) -> None:
    home = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}],
    }
    first = await client.views_publish(user_id=USER, view=home)
    second = await client.views_publish(user_id=USER, view=home, hash=first["view"]["hash"])
    assert second["view"]["id"] == first["view"]["id"]
    stale = client.views_publish(user_id=USER, view=home, hash=first["view"]["hash"])
    assert (await refused(stale))["error"] == "hash_conflict"
    published = fake.published_home(USER)
    assert published is not None and published["type"] == "home"
    as_modal = client.views_publish(user_id=USER, view=modal())
    assert (await refused(as_modal))["error"] == "invalid_arguments"
