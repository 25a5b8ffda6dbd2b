"""Drafting customer messages: templates in the sandbox, the context, drafts on demand from
the header, and what a drafter sees when a template fails."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.errors import TemplateError
from bot.incidents.models import DetectedBy, Incident, TimelineEntry
from bot.incidents.service import open_or_get
from bot.intake.models import IntakeRevision
from bot.notifications.context import ImpactWindow, TenantFacts, build_context, customer_time
from bot.notifications.drafting import render_message, template_for
from bot.notifications.models import MessageKind, NotificationStatus
from bot.playbooks import UNCLASSIFIED, CustomerMessages
from bot.slack import ids
from tests.harness import Harness
from tests.notifications_kit import (
    CSAM,
    ONCALL,
    confirm_impact,
    draft_message,
    notifications,
    open_room,
    replies,
    revisions,
    settle,
    the_notification,
)

S = NotificationStatus
CONTOSO = TenantFacts(
    "contoso", "Contoso Ltd", "mission-critical", "Europe/London", ("U0CSAMCONTOSO",), None
)


def context(**intake: Any) -> dict[str, Any]:
    opened = datetime(2025, 3, 3, 14, 5, tzinfo=UTC)
    incident = Incident(id=42, severity="sev2", signature_title="Identity login failures")
    incident.opened_at, incident.mitigated_at, incident.resolved_at = opened, None, None
    row = IntakeRevision(**intake) if intake else None
    from bot.config.domain import DomainConfig

    built = build_context(
        tenant=CONTOSO,
        incident=incident,
        intake=row,
        window=ImpactWindow(opened, None),
        kind=MessageKind.INITIAL,
        config=DomainConfig(),
        now=opened,
    )
    return built.values


def test_times_are_written_in_the_tenants_timezone() -> None:
    summer = datetime(2025, 7, 1, 13, 5, tzinfo=UTC)
    assert customer_time(summer, CONTOSO.zone) == "1 Jul 2025, 14:05 BST"
    values = context()
    assert values["impact"] == {"start": "3 Mar 2025, 14:05 GMT", "end": None}
    assert values["next_update_at"] == "3 Mar 2025, 15:05 GMT", "the configured cadence"
    assert values["tenant"]["name"] == "Contoso Ltd" and values["incident"]["number"] == 42


def test_the_intake_feeds_what_we_can_say_and_the_promised_time() -> None:
    promised = datetime(2025, 3, 3, 14, 45, tzinfo=UTC)
    values = context(update_now="Logins are failing for some users.", next_update_at=promised)
    assert values["now_update"] == "Logins are failing for some users."
    assert values["next_update_at"] == "3 Mar 2025, 14:45 GMT"


def test_the_built_in_defaults_apply_when_a_playbook_has_none() -> None:
    bare = UNCLASSIFIED.model_copy(update={"customer_messages": CustomerMessages()})
    initial = render_message(template_for(bare, MessageKind.INITIAL), context())
    assert initial.startswith("We detected an issue in your environment and are addressing it now.")
    assert "We will send our next update by 3 Mar 2025, 15:05 GMT." in initial
    own = bare.model_copy(
        update={"customer_messages": CustomerMessages(update="Hi {{ tenant.name }}")}
    )
    assert render_message(template_for(own, MessageKind.UPDATE), context()) == "Hi Contoso Ltd"


def test_an_undefined_variable_is_a_clear_error() -> None:
    with pytest.raises(TemplateError) as caught:
        render_message("Dear {{ tenant.nmae }}, we are on it.", context())
    assert "nmae" in str(caught.value) and "the template can use" in str(caught.value)


@pytest.mark.parametrize(
    "source",
    [
        "{{ tenant.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ tenant.items.__globals__ }}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    ],
)
def test_python_internals_are_out_of_reach(source: str) -> None:
    with pytest.raises(TemplateError) as caught:
        render_message(source, context())
    message = str(caught.value)
    assert "not allowed in a template" in message or "undefined" in message
    assert "uid=" not in message


def test_customer_text_has_no_internal_details_by_default() -> None:
    for kind in MessageKind:
        text = render_message(template_for(UNCLASSIFIED, kind), context())
        assert "Identity login failures" not in text and "sev2" not in text
        assert "http" not in text


async def open_draft_modal(h: Harness, room: Incident, user: str = ONCALL) -> dict[str, Any]:
    assert room.channel_id and room.header_ts
    await h.user(user).click(room.channel_id, room.header_ts, ids.DRAFT_UPDATE)
    await settle()
    return h.slack.open_views(user)[-1]


async def test_a_template_with_an_undefined_variable_shows_the_drafter_why(
    harness: Harness,
) -> None:
    h = harness
    room = await open_room(h)
    view = await open_draft_modal(h, room)
    answer = await h.user(ONCALL).submit(view["id"], {ids.DRAFT_TEXT: "Dear {{ tenant.nmae }}"})
    assert answer.status_code == 200 and answer.json()["response_action"] == "errors"
    shown = h.slack.view(view["id"])
    assert shown["is_open"], "the drafter keeps their text and fixes it"
    [message] = shown["errors"].values()
    assert "nmae" in message
    assert len(await notifications(h, room.id)) == 1, "nothing new was drafted"
    await h.drain()
    assert h.slack.messages("C0CONTOSOEXT") == []


async def test_a_template_reaching_for_python_internals_is_stopped(harness: Harness) -> None:
    h = harness
    room = await open_room(h)
    view = await open_draft_modal(h, room)
    sneaky = "{{ ''.__class__.__mro__[1].__subclasses__() }}"
    answer = await h.user(ONCALL).submit(view["id"], {ids.DRAFT_TEXT: sneaky})
    assert answer.json()["response_action"] == "errors"
    [message] = h.slack.view(view["id"])["errors"].values()
    assert "not allowed in a template" in message and "subclasses" not in message.split(":")[0]
    assert len(await notifications(h, room.id)) == 1


async def test_drafting_an_update_on_demand(harness: Harness) -> None:
    h = harness
    room = await open_room(h)
    view = await open_draft_modal(h, room)
    assert "We detected an issue" in str(view["blocks"]), "the initial message is proposed"
    # Choosing another kind redraws the modal with that kind's text.
    await h.user(ONCALL).click_in_view(view["id"], ids.DRAFT_KIND, "update")
    await settle()
    view = h.slack.open_views(ONCALL)[-1]
    assert "An update on the sign-in issue affecting Contoso Ltd" in str(view["blocks"])
    text = "Logins work again for most users. Next update by {{ next_update_at }}."
    answer = await h.user(ONCALL).submit(view["id"], {ids.DRAFT_TEXT: text})
    assert not answer.content.strip(), "the modal closes"
    await settle()
    await h.drain()
    first, second = await notifications(h, room.id)
    assert first.status == S.STALE and "newer draft" in str(first.stale_reason)
    assert second.kind == MessageKind.UPDATE and second.status == S.DRAFT
    [rev] = await revisions(h, second.id)
    assert rev.author == ONCALL and rev.text.startswith("Logins work again")
    assert "{{" not in rev.text and " GMT" in rev.text, "variables were filled in"
    assert "Logins work again" in str(draft_message(h, room, second)["blocks"])


async def test_after_impact_is_confirmed_a_new_draft_goes_straight_to_approval(
    harness: Harness,
) -> None:
    h = harness
    room = await open_room(h)
    await confirm_impact(h, room)
    view = await open_draft_modal(h, room)
    assert view["submit"]["text"] == "Request approval"
    await h.user(ONCALL).submit(view["id"], {ids.DRAFT_TEXT: "We are still working on it."})
    await settle()
    await h.drain()
    latest = await the_notification(h, room.id)
    assert latest.status == S.PENDING_APPROVAL
    assert any(f"<@{CSAM['contoso']}>" in m["text"] for m in replies(h, room))


async def test_a_broken_playbook_template_does_not_stop_an_incident_opening(
    harness: Harness,
) -> None:
    h = harness
    broken = UNCLASSIFIED.model_copy(
        update={
            "id": "broken",
            "customer_messages": CustomerMessages.model_construct(
                initial="Dear {{ customer.name }}", update=None, resolved=None
            ),
        }
    )
    async with h.runtime.sessions() as session:
        opened = await open_or_get(
            session,
            h.runtime.domain.config,
            tenant_id="fabrikam",
            playbook=broken,
            detected_by=DetectedBy.MONITORING,
            now=h.clock.now(),
            title="Something broke",
        )
        await session.commit()
    assert opened.created
    assert await notifications(h, opened.incident.id) == []
    async with h.runtime.sessions() as session:
        entries = (
            await session.scalars(
                select(TimelineEntry.text).where(TimelineEntry.incident_id == opened.incident.id)
            )
        ).all()
    assert any("could not be drafted" in t and "customer" in t for t in entries)


async def test_the_intake_time_promise_reaches_the_draft(harness: Harness) -> None:
    h = harness
    room = await open_room(h)
    promised = h.clock.now() + timedelta(minutes=40)
    async with h.runtime.sessions() as session:
        session.add(
            IntakeRevision(
                incident_id=room.id,
                revision=1,
                created_at=h.clock.now(),
                created_by=ONCALL,
                update_now="Some users cannot sign in.",
                next_update_at=promised,
            )
        )
        await session.commit()
    view = await open_draft_modal(h, room)
    await h.user(ONCALL).click_in_view(view["id"], ids.DRAFT_KIND, "update")
    await settle()
    shown = str(h.slack.open_views(ONCALL)[-1]["blocks"])
    assert "Some users cannot sign in." in shown
    assert customer_time(promised, CONTOSO.zone) in shown
