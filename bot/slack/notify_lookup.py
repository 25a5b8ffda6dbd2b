"""What the Slack side reads about a customer message: its parts, who decides on it, how it
is shown, and which message a button names. Shared by the listeners and the outbox handlers.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import NotFound
from bot.incidents.models import Incident
from bot.notifications import queries
from bot.notifications.context import TenantFacts, tenant_facts
from bot.notifications.models import Notification
from bot.notifications.rules import Deciders
from bot.slack.blocks.notification import DraftView
from bot.slack.errors import slack_error_code
from bot.slack.members import is_group, resolve_users

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)


def action_value(body: dict[str, Any]) -> str:
    return str(((body.get("actions") or [{}])[0]).get("value") or "")


def parse_draft_value(value: str) -> tuple[int, int]:
    """A draft button's value: "<notification id>:<revision>"."""
    nid, _, rev = value.partition(":")
    try:
        return int(nid), int(rev or 0)
    except ValueError:
        raise NotFound("This button does not name a customer message crebot knows.") from None


async def tell(respond: AsyncRespond, text: str) -> None:
    """An answer only the person who clicked sees."""
    await respond(text=text, response_type="ephemeral", replace_original=False)


def slack(runtime: Runtime) -> AsyncWebClient:
    if runtime.slack_client is None:
        raise RuntimeError("Slack is not configured yet: the message waits in the outbox")
    return runtime.slack_client


async def deciders_for(
    client: AsyncWebClient, runtime: Runtime, tenant: TenantFacts, user: str
) -> Deciders:
    """The tenant's CSAMs and the approvers, as far as `user` is concerned.

    User groups are read from Slack only when `user` is not named directly, and then every
    time (a person removed from a group loses the right at once). So a CSAM named in
    crebot.yaml can approve even while Slack's API is having trouble.
    """
    csams = {t for t in tenant.csams if not is_group(t)}
    approvers = {t for t in runtime.domain.config.approvers if not is_group(t)}
    if user not in csams and any(is_group(t) for t in tenant.csams):
        csams.update(await resolve_users(client, tenant.csams))
    if user not in csams and user not in approvers:
        groups = [t for t in runtime.domain.config.approvers if is_group(t)]
        approvers.update(await resolve_users(client, groups))
    return Deciders(tenant.name, frozenset(csams), frozenset(approvers))


async def parts(
    session: AsyncSession, runtime: Runtime, notification_id: int
) -> tuple[Notification, Incident, TenantFacts]:
    notification = await queries.get(session, notification_id, fresh=True)
    incident = await session.get(Incident, notification.incident_id)
    assert incident is not None
    tenant = await tenant_facts(session, runtime.domain.config, incident.tenant_id)
    if tenant is None:
        raise RuntimeError(f"incident {incident.id} has no tenant for its customer message")
    return notification, incident, tenant


async def permalink(client: AsyncWebClient, channel: str | None, ts: str | None) -> str | None:
    if not channel or not ts:
        return None
    try:
        answer = await client.chat_getPermalink(channel=channel, message_ts=ts)
    except SlackApiError as exc:
        log.info("no permalink for %s/%s: %s", channel, ts, slack_error_code(exc))
        return None
    return str(answer.get("permalink") or "") or None


async def draft_view(
    session: AsyncSession,
    notification: Notification,
    incident: Incident,
    tenant: TenantFacts,
    *,
    link: str | None = None,
) -> DraftView:
    shown = notification.approved_revision or notification.revision
    revision = await queries.revision(session, notification.id, shown)
    return DraftView(
        notification_id=notification.id,
        incident_number=incident.number,
        tenant_name=tenant.name,
        kind=notification.kind,
        status=notification.status,
        revision=notification.revision,
        text=revision.text,
        author=revision.author,
        csams=tenant.csams,
        customer_channel=tenant.customer_channel,
        approved_by=notification.approved_by,
        approved_at=notification.approved_at,
        rejected_by=notification.rejected_by,
        rejected_at=notification.rejected_at,
        reject_reason=notification.reject_reason,
        stale_reason=notification.stale_reason,
        delivered_at=notification.delivered_at,
        delivered_link=link,
        relayed_by=notification.relayed_by,
    )
