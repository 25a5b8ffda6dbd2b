"""The incident room, opened by the outbox: channel, topic, people, header, links, notices.

`room.open` is one operation made of steps. Each step that makes something in Slack
records what it made (the channel id and the header ts on the incident row, the rest in
the operation's progress) and commits right away, so a retry after a 429, an outage or a
crash continues with the next step instead of making anything twice.

    create channel ─► topic/purpose ─► invite ─► post header ─► pin ─► bookmarks
        ─► owning team's notice ─► support notice ─► timeline ─► redraw header if stale

Steps that only add convenience (pin, bookmarks, notices) log and skip a refusal from
Slack, such as a team channel the bot was never invited to; steps the room cannot do
without fail the operation, which the worker retries or, for a permanent refusal, gives up.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import CrebotError
from bot.features import Feature
from bot.incidents.models import Incident
from bot.incidents.permissions import owner_targets
from bot.incidents.service import OPEN_ROOM, REFRESH_HEADER, RESOLVED_NOTICE
from bot.incidents.timeline import EntryKind, add_entry
from bot.incidents.view import HeaderView, playbook_for, render_or_none, template_context
from bot.outbox.worker import Handler, OpContext
from bot.playbooks import UNCLASSIFIED_ID
from bot.slack import listing, room_actions, storm_actions
from bot.slack.blocks.fit import fit
from bot.slack.blocks.notices import support_opened, support_resolved, team_notice
from bot.slack.channel_names import channel_name
from bot.slack.commands import CommandRouter
from bot.slack.errors import TRANSIENT, slack_error_code
from bot.slack.members import invite
from bot.slack.room_header import current_view, redraw, remember, render
from bot.slack.roster import bot_user_id, roster

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

MAX_NAME_ATTEMPTS = 50
LIST_PAGES = 50  # of 1,000 channels each, when looking for a channel made before a crash
TOPIC_LIMIT = 250
T = TypeVar("T")


class RoomError(CrebotError):
    """The room cannot be made this way, and retrying will not change that."""


def slack_client(runtime: Runtime) -> AsyncWebClient:
    if runtime.slack_client is None:
        raise RuntimeError("Slack is not configured yet: the room waits in the outbox")
    return runtime.slack_client


def is_transient(exc: SlackApiError) -> bool:
    status = exc.response.status_code
    return status == 429 or status >= 500 or slack_error_code(exc) in TRANSIENT


async def best_effort(call: Awaitable[T], what: str) -> T | None:
    """Slack trouble is raised (the worker retries); a refusal is logged and skipped."""
    try:
        return await call
    except SlackApiError as exc:
        if is_transient(exc):
            raise
        log.warning("could not %s: %s", what, slack_error_code(exc))
        return None


def app_redirect(channel_id: str) -> str:
    return f"https://slack.com/app_redirect?channel={channel_id}"


async def _incident(ctx: OpContext) -> Incident | None:
    if ctx.op.incident_id is None:
        return None
    return await ctx.session.get(Incident, ctx.op.incident_id, populate_existing=True)


# the steps ------------------------------------------------------------------------------


async def own_channel(
    client: AsyncWebClient, name: str, bot_user: str | None
) -> dict[str, Any] | None:
    """The channel called `name` that crebot created, if there is one (conversations.list)."""
    cursor: str | None = None
    try:
        for _ in range(LIST_PAGES):
            page = await client.conversations_list(
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=1000,
                cursor=cursor,
            )
            for channel in page.get("channels") or []:
                if channel.get("name") == name and channel.get("creator") in (bot_user, None):
                    return dict(channel)
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if cursor is None:
                break
    except SlackApiError as exc:
        if is_transient(exc):
            raise
        log.warning("cannot look for channel %s: %s", name, slack_error_code(exc))
    return None


async def create_channel(
    client: AsyncWebClient,
    ctx: OpContext,
    incident: Incident,
    *,
    private: bool,
    bot_user: str | None,
) -> None:
    """Create the room's channel under the first free name.

    The name is recorded before each attempt. An attempt whose answer never came (a
    timeout, a crash) may have made the channel all the same; when the retry of that name
    hears `name_taken`, crebot looks for a channel it created under the name before moving
    on to the next one, so a lost answer does not become a second channel.
    """
    attempt = int(ctx.progress.get("name_attempt", 1))
    unanswered = ctx.progress.get("creating")
    while attempt <= MAX_NAME_ATTEMPTS:
        name = channel_name(incident.number, incident.tenant_id, incident.signature_id, attempt)
        await ctx.checkpoint(creating=name, name_attempt=attempt)
        try:
            channel = (await client.conversations_create(name=name, is_private=private))["channel"]
        except SlackApiError as exc:
            if slack_error_code(exc) != "name_taken":
                raise
            found = await own_channel(client, name, bot_user) if name == unanswered else None
            if found is None:
                attempt += 1
                continue
            channel = found
        incident.channel_id, incident.channel_name = str(channel["id"]), str(channel["name"])
        # Committed before anything else happens: a retry must find this channel.
        await ctx.checkpoint(channel_id=incident.channel_id, creating=None)
        return
    raise RoomError(f"no free channel name for incident #{incident.number}")


async def set_topic(client: AsyncWebClient, view: HeaderView, channel: str) -> None:
    topic = f"{view.tenant_name} · {view.signature_title} · {view.severity}"
    purpose = f"Incident #{view.number}: {view.title}"
    await client.conversations_setTopic(channel=channel, topic=fit(topic, TOPIC_LIMIT))
    await client.conversations_setPurpose(channel=channel, purpose=fit(purpose, TOPIC_LIMIT))


def invite_targets(runtime: Runtime, incident: Incident) -> list[str]:
    """The on-call, the owning team (the on-call again for unclassified) and the CSAMs."""
    config = runtime.domain.config
    tenant = config.tenant(incident.tenant_id)
    owners = owner_targets(config, incident.owner_team, incident.signature_id)
    csams = list(tenant.csams) if tenant else []
    return list(dict.fromkeys([*config.oncall, *owners, *csams]))


async def invite_people(
    runtime: Runtime, client: AsyncWebClient, incident: Incident, channel: str
) -> dict[str, Any]:
    users = await roster(runtime).users(client, invite_targets(runtime, incident))
    me = await bot_user_id(runtime, client)
    result = await invite(client, channel, users, skip=[me] if me else [])
    if result.failed:
        log.warning("incident %s: could not invite %s", incident.id, result.failed)
    return {"invited": len(result.invited), "already": len(result.already), **result.failed}


async def post_header(
    client: AsyncWebClient, ctx: OpContext, incident: Incident, channel: str, view: HeaderView
) -> None:
    text, blocks, digest = render(view)
    answer = await client.chat_postMessage(channel=channel, text=text, blocks=blocks)
    incident.header_ts = str(answer["ts"])
    remember(incident, header_digest=digest)
    await ctx.checkpoint(header_ts=incident.header_ts)


async def pin_header(client: AsyncWebClient, channel: str, ts: str) -> None:
    try:
        await client.pins_add(channel=channel, timestamp=ts)
    except SlackApiError as exc:
        if slack_error_code(exc) == "already_pinned":
            return
        if is_transient(exc):
            raise
        log.warning("could not pin the header in %s: %s", channel, slack_error_code(exc))


def bookmarks(runtime: Runtime, incident: Incident, view: HeaderView) -> list[tuple[str, str]]:
    """(title, url): the fastest check, then the playbook's links, rendered for the tenant."""
    found: list[tuple[str, str]] = []
    if view.fastest_check_url:
        found.append((view.fastest_check_label, view.fastest_check_url))
    playbook = playbook_for(runtime.domain, incident.signature_id)
    context = template_context(runtime.domain, incident, view.tenant_name)
    for item in playbook.links:
        url = render_or_none(item.url, context)
        if url:
            found.append((item.title, url))
    return found


async def add_bookmarks(
    runtime: Runtime,
    client: AsyncWebClient,
    ctx: OpContext,
    incident: Incident,
    channel: str,
    view: HeaderView,
) -> None:
    done = set(ctx.progress.get("bookmarks", []))
    for i, (title, url) in enumerate(bookmarks(runtime, incident, view)):
        if i in done:
            continue
        await best_effort(
            client.bookmarks_add(channel_id=channel, title=fit(title, 80), type="link", link=url),
            f"bookmark {url}",
        )
        done.add(i)
        await ctx.checkpoint(bookmarks=sorted(done))


async def permalink(client: AsyncWebClient, channel: str, ts: str | None) -> str:
    if ts:
        answer = await best_effort(
            client.chat_getPermalink(channel=channel, message_ts=ts), "link the header"
        )
        if answer is not None and answer.get("permalink"):
            return str(answer["permalink"])
    return app_redirect(channel)


async def post_notice(
    client: AsyncWebClient, channel: str, notice: tuple[str, list[Any]], what: str
) -> bool:
    text, blocks = notice
    answer = await best_effort(
        client.chat_postMessage(channel=channel, text=text, blocks=blocks), what
    )
    return answer is not None


def owning_team(runtime: Runtime, incident: Incident) -> tuple[str, str | None]:
    """(who owns it, that team's channel). Unclassified incidents belong to the on-call."""
    team = runtime.domain.config.teams.get(incident.owner_team or "")
    if team is None or incident.signature_id == UNCLASSIFIED_ID:
        return "the on-call", None
    return str(incident.owner_team), team.channel


# the operations -------------------------------------------------------------------------


async def open_room(runtime: Runtime, ctx: OpContext) -> None:
    incident = await _incident(ctx)
    if incident is None:
        return
    if await storm_actions.held_by_storm(runtime, ctx, incident):
        return  # linked to a platform incident: its room is the platform's
    client = slack_client(runtime)
    config = runtime.domain.config
    if not incident.channel_id:
        me = await bot_user_id(runtime, client)
        await create_channel(client, ctx, incident, private=config.channels.private, bot_user=me)
    channel = str(incident.channel_id)
    # One reading serves every step; the redraw at the end catches what changed meanwhile.
    view = await current_view(runtime, ctx.session, incident)
    if "topic" not in ctx.progress:
        await set_topic(client, view, channel)
        await ctx.checkpoint(topic=True)
    if "invited" not in ctx.progress:
        await ctx.checkpoint(invited=await invite_people(runtime, client, incident, channel))
    if not incident.header_ts:
        await post_header(client, ctx, incident, channel, view)
    header_ts = str(incident.header_ts)
    if "pinned" not in ctx.progress:
        await pin_header(client, channel, header_ts)
        await ctx.checkpoint(pinned=True)
    if "bookmarked" not in ctx.progress:
        await add_bookmarks(runtime, client, ctx, incident, channel, view)
        await ctx.checkpoint(bookmarked=True)
    owner, team_channel = owning_team(runtime, incident)
    support = config.channels.support
    tell_team = bool(team_channel) and "team_notice" not in ctx.progress
    tell_support = bool(support) and "support_notice" not in ctx.progress
    if tell_team or tell_support:
        link = await permalink(client, channel, header_ts)
        if tell_team and team_channel:
            notice = team_notice(view, owner, link)
            posted = await post_notice(client, team_channel, notice, f"tell {owner}")
            await ctx.checkpoint(team_notice=posted)
        if tell_support and support:
            notice = support_opened(view, link)
            posted = await post_notice(client, support, notice, "tell the support channel")
            await ctx.checkpoint(support_notice=posted)
    if "routed" not in ctx.progress:
        invited = ctx.progress.get("invited", {})
        where = f", notice in <#{team_channel}>" if ctx.progress.get("team_notice") else ""
        add_entry(
            ctx.session,
            incident.id,
            at=ctx.clock.now(),
            kind=EntryKind.OWNER,
            text=(
                f"Room #{incident.channel_name} opened and routed to {owner} "
                f"({invited.get('invited', 0)} invited{where})"
            ),
            channel_id=channel,
            owner=owner,
        )
        remember(incident, room_opened_at=ctx.clock.now().isoformat())
        await ctx.checkpoint(routed=True)
    # The incident may have changed while the room was being made (an acknowledgement, a
    # new alert); the header shows the state as of now.
    await redraw(runtime, client, ctx.session, incident.id)


async def refresh_header(runtime: Runtime, ctx: OpContext) -> None:
    if ctx.op.incident_id is None:
        return
    await redraw(runtime, slack_client(runtime), ctx.session, ctx.op.incident_id)
    # A linked tenant's change (an alert, a message) shows in its platform's header too.
    await storm_actions.refresh_platform_of(ctx)


async def resolved_notice(runtime: Runtime, ctx: OpContext) -> None:
    incident = await _incident(ctx)
    support = runtime.domain.config.channels.support
    if incident is None or not support or "posted" in ctx.progress:
        return
    resolved_at = _when(ctx.payload.get("resolved_at")) or incident.resolved_at or ctx.clock.now()
    view = await current_view(runtime, ctx.session, incident)
    posted = await post_notice(
        slack_client(runtime), support, support_resolved(view, resolved_at), "announce a resolve"
    )
    await ctx.checkpoint(posted=posted)


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def handlers(runtime: Runtime) -> dict[str, Handler]:
    async def on_open(ctx: OpContext) -> None:
        await open_room(runtime, ctx)

    async def on_header(ctx: OpContext) -> None:
        await refresh_header(runtime, ctx)

    async def on_resolved(ctx: OpContext) -> None:
        await resolved_notice(runtime, ctx)

    return {OPEN_ROOM: on_open, REFRESH_HEADER: on_header, RESOLVED_NOTICE: on_resolved}


def setup_listeners(app: AsyncApp, runtime: Runtime, router: CommandRouter) -> None:
    room_actions.setup(app, runtime, router)
    listing.setup(app, runtime, router)


def feature() -> Feature:
    """The incident room: its outbox operations, and what responders do in it."""
    return Feature("room", slack=setup_listeners, outbox=handlers)
