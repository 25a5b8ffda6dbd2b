"""The App Home's customer-message section: what waits for this person's approval.

A CSAM sees every message of their tenants waiting for approval; an approver sees those
that have waited past `notifications.offer_to_approvers_after` (when crebot offered them).
Others see nothing here. bot/slack/listing.py puts the section above the incident list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_sdk.models.blocks import Block, DividerBlock
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot.notifications import queries
from bot.slack.blocks.notification import home_blocks
from bot.slack.members import is_group, resolve_users

if TYPE_CHECKING:
    from bot.runtime import Runtime

VIEW_BLOCKS = 100


async def _is_among(client: AsyncWebClient, user_id: str, targets: list[str]) -> bool:
    if user_id in targets:
        return True
    groups = [t for t in targets if is_group(t)]
    return bool(groups) and user_id in await resolve_users(client, groups)


async def approval_blocks(runtime: Runtime, client: AsyncWebClient, user_id: str) -> list[Block]:
    config = runtime.domain.config
    mine = [t.id for t in config.tenants if await _is_among(client, user_id, list(t.csams))]
    approver = await _is_among(client, user_id, list(config.approvers))
    if not mine and not approver:
        return []
    now = runtime.clock.now()
    offer_after = config.notifications.offer_to_approvers_after
    async with runtime.sessions() as session:
        items = await queries.awaiting_approval(session, mine)
        if approver:
            seen = {i.notification_id for i in items}
            everyone = await queries.awaiting_approval(session, [t.id for t in config.tenants])
            items += [
                i
                for i in everyone
                if i.notification_id not in seen and now - i.requested_at >= offer_after
            ]
    names = {t.id: t.name for t in config.tenants}
    return [*home_blocks(items, names), DividerBlock()]


async def with_approvals(
    runtime: Runtime, client: AsyncWebClient, user_id: str, view: View
) -> View:
    """`view` (the App Home) with the approval section on top, within Slack's 100 blocks."""
    section = await approval_blocks(runtime, client, user_id)
    if not section:
        return view
    rest = list(view.blocks or [])
    room = VIEW_BLOCKS - len(section)
    if len(rest) > room:
        rest = [*rest[: room - 1], rest[-1]]  # keep the closing hint
    view.blocks = [*section, *rest]
    return view
