"""User groups resolved to users, remembered for a few minutes.

usergroups.users.list is Tier 2 (20 calls a minute). Opening thirty rooms at once would
otherwise ask for the same on-call group thirty times, and every acknowledgement check
would ask again, so answers are kept briefly. Group membership changes rarely and a stale
answer is corrected on the next read; a refusal re-reads the groups before it is final.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import Clock
from bot.slack.members import is_group, resolve_users

if TYPE_CHECKING:
    from bot.runtime import Runtime

TTL = timedelta(minutes=5)


class Roster:
    def __init__(self, clock: Clock, ttl: timedelta = TTL) -> None:
        self.clock = clock
        self.ttl = ttl
        self._groups: dict[str, tuple[datetime, list[str]]] = {}

    async def users(
        self, client: AsyncWebClient, targets: Iterable[str], *, fresh: bool = False
    ) -> list[str]:
        """User ids for user and group ids, in order, without duplicates."""
        now = self.clock.now()
        found: list[str] = []
        for target in targets:
            if not is_group(target):
                found.append(target)
                continue
            cached = self._groups.get(target)
            if cached is None or fresh or cached[0] <= now:
                members = await resolve_users(client, [target])
                cached = (now + self.ttl, members)
                self._groups[target] = cached
            found.extend(cached[1])
        return list(dict.fromkeys(found))


def roster(runtime: Runtime) -> Roster:
    """The process's roster, made on first use."""
    found = runtime.extras.get("roster")
    if not isinstance(found, Roster):
        found = Roster(runtime.clock)
        runtime.extras["roster"] = found
    return found


async def bot_user_id(runtime: Runtime, client: AsyncWebClient) -> str | None:
    """The bot's own user id (auth.test, asked once per process), so it is never invited."""
    known = runtime.extras.get("bot_user_id")
    if isinstance(known, str):
        return known
    answer = await client.auth_test()
    user_id = answer.get("user_id")
    if isinstance(user_id, str):
        runtime.extras["bot_user_id"] = user_id
        return user_id
    return None
