"""Turning configured targets (users and user groups) into channel members."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

INVITE_BATCH = 100  # Slack documents up to 1000 per call; 100 is the safe figure


def is_group(target: str) -> bool:
    return target.startswith("S")


async def resolve_users(client: AsyncWebClient, targets: Iterable[str]) -> list[str]:
    """User ids for a list of user and user-group ids, in order, without duplicates.

    A group that cannot be read (deleted, no scope) is skipped and logged: one bad id must
    not stop the others from being paged.
    """
    users: list[str] = []
    for target in targets:
        if is_group(target):
            try:
                answer = await client.usergroups_users_list(usergroup=target)
            except SlackApiError as exc:
                if exc.response.status_code == 429 or exc.response.status_code >= 500:
                    raise  # Slack trouble, not a bad id: let the caller retry
                log.warning("cannot read user group %s: %s", target, exc.response.get("error"))
                continue
            users.extend(str(u) for u in answer.get("users") or [])
        else:
            users.append(target)
    return list(dict.fromkeys(users))


@dataclass
class InviteResult:
    invited: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


async def invite(
    client: AsyncWebClient, channel_id: str, user_ids: Iterable[str], *, skip: Iterable[str] = ()
) -> InviteResult:
    """Invite users, skipping those already in and those in `skip` (the bot itself).

    Slack refuses a whole batch for one bad id unless `force` is set; with force it invites
    the valid ones and lists the failures per user, which we record instead of failing.
    """
    result = InviteResult()
    skipped = set(skip)
    wanted = [u for u in dict.fromkeys(user_ids) if u not in skipped]
    for start in range(0, len(wanted), INVITE_BATCH):
        batch = wanted[start : start + INVITE_BATCH]
        try:
            answer = await client.conversations_invite(channel=channel_id, users=batch, force=True)
            # With force, Slack invites the valid ids and answers ok with a per-user error list.
            refused = _per_user_errors(answer.get("errors"))
            for user in batch:
                error = refused.get(user)
                if error == "already_in_channel":
                    result.already.append(user)
                elif error:
                    result.failed[user] = error
                else:
                    result.invited.append(user)
        except SlackApiError as exc:
            code = str(exc.response.get("error") or "")
            if exc.response.status_code == 429 or exc.response.status_code >= 500:
                raise
            per_user = _per_user_errors(exc.response.get("errors"))
            if not per_user and code != "already_in_channel":
                raise
            for user in batch:
                error = per_user.get(user, code if not per_user else None)
                if error == "already_in_channel":
                    result.already.append(user)
                elif error:
                    result.failed[user] = error
                else:
                    result.invited.append(user)
    return result


def _per_user_errors(errors: object) -> dict[str, str]:
    if not isinstance(errors, list):
        return {}
    return {
        str(e.get("user")): str(e.get("error"))
        for e in errors
        if isinstance(e, dict) and e.get("user")
    }
