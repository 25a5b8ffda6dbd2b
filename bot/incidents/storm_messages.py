"""Customer messages in a storm: every linked tenant's draft approved in one go.

    approve_all(session, platform, user=, approvers=, now=, domain=) -> BulkApproval

Each tenant incident keeps its own draft (prepared from the signature's template as it
opened). An approver may approve them all from the platform channel; each tenant's CSAMs
may still approve their own one by one. Either way every approval goes through
bot.notifications.decisions.approve, whose conditional UPDATE and delivery key make each
tenant's message go out exactly once, however many times the bulk button is clicked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config.loader import Domain
from bot.errors import NotAllowed
from bot.incidents.models import Incident
from bot.incidents.states import ACTIVE
from bot.incidents.storm import linked
from bot.incidents.timeline import EntryKind, add_entry
from bot.notifications import decisions, queries
from bot.notifications.context import tenant_facts
from bot.notifications.models import NotificationStatus
from bot.notifications.rules import Deciders
from bot.notifications.service import confirm_impact
from bot.outbox.queue import enqueue

# A DM to a tenant's CSAMs: this went out on your behalf (bot/slack/storm_actions.py).
TOLD = "storm.told"


@dataclass
class BulkApproval:
    approved: list[int] = field(default_factory=list)  # notification ids
    refused: dict[str, str] = field(default_factory=dict)  # tenant -> why not


async def approve_all(
    session: AsyncSession,
    platform: Incident,
    *,
    user: str,
    approvers: frozenset[str],
    now: datetime,
    domain: Domain,
) -> BulkApproval:
    """Approve, as `user` (one of the approvers, groups already resolved), the message of
    every active linked tenant that has one waiting. Impact is confirmed on the way: the
    approver approving a message to the customer is saying the customer is affected."""
    result = BulkApproval()
    for incident in await linked(session, platform.id):
        if incident.status not in ACTIVE or incident.tenant_id is None:
            continue
        tenant = await tenant_facts(session, domain.config, incident.tenant_id)
        if tenant is None:
            continue
        await confirm_impact(session, incident, user, now, domain=domain)
        deciders = Deciders(tenant.name, frozenset(), approvers)
        waiting = await queries.for_incident(
            session, incident.id, [NotificationStatus.PENDING_APPROVAL]
        )
        for notification in waiting:
            try:
                await decisions.approve(
                    session,
                    notification.id,
                    revision=notification.revision,
                    user=user,
                    now=now,
                    deciders=deciders,
                )
            except NotAllowed as exc:  # decided meanwhile, or stale: that tenant waits
                result.refused[incident.tenant_id] = str(exc)
                continue
            result.approved.append(notification.id)
            await enqueue(
                session,
                TOLD,
                now=now,
                key=f"{TOLD}:{notification.id}:{notification.revision}",
                incident_id=incident.id,
                payload={
                    "notification_id": notification.id,
                    "platform_incident_id": platform.id,
                    "approver": user,
                },
            )
    if result.approved:
        add_entry(
            session,
            platform.id,
            at=now,
            kind=EntryKind.NOTIFICATION,
            actor=user,
            text=f"<@{user}> approved {len(result.approved)} customer message(s) in bulk",
            notifications=result.approved,
        )
    return result
