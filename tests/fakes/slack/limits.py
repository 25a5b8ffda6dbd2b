"""Rate limits, deterministic by the fake's clock.

Per method: a sliding one-minute window of admitted calls. Retry-After is the whole
seconds until the oldest call leaves the window (at least 1), always an integer because
slack_sdk parses it with int(). With a fixed `retry_after`, the method is instead shut for
exactly that long and then gets a fresh window, which keeps retry-handler tests short.

chat.postMessage additionally has a token bucket per channel (Slack: about one message
per second per channel, short bursts allowed).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=1)
TIER_PER_MINUTE = {1: 1, 2: 20, 3: 50, 4: 100}
# Tiers from SLACK_NOTES §1.1; "special" methods get a generous number of their own.
METHOD_TIERS: dict[str, int] = {
    "conversations.create": 2,
    "conversations.setTopic": 2,
    "conversations.setPurpose": 2,
    "conversations.archive": 2,
    "conversations.unarchive": 2,
    "conversations.invite": 3,
    "conversations.info": 3,
    "conversations.join": 3,
    "conversations.open": 3,
    "conversations.history": 3,
    "conversations.members": 4,
    "chat.update": 3,
    "chat.postEphemeral": 4,
    "chat.getPermalink": 4,
    "views.open": 4,
    "views.push": 4,
    "views.update": 4,
    "views.publish": 4,
    "pins.add": 2,
    "pins.list": 2,
    "bookmarks.add": 2,
    "bookmarks.list": 3,
    "users.info": 4,
    "users.lookupByEmail": 3,
    "usergroups.users.list": 2,
    "reactions.add": 3,
    "apps.connections.open": 1,
}
SPECIAL_PER_MINUTE = {"auth.test": 600, "chat.postMessage": 600}


@dataclass
class MethodBudget:
    per_minute: int
    retry_after: int | None = None
    admitted: deque[datetime] = field(default_factory=deque)
    shut_until: datetime | None = None

    def admit(self, now: datetime) -> int | None:
        """None when the call may go ahead (and is counted), else the Retry-After seconds."""
        if self.shut_until is not None:
            if now < self.shut_until:
                return max(1, math.ceil((self.shut_until - now).total_seconds()))
            self.shut_until = None
        while self.admitted and self.admitted[0] <= now - WINDOW:
            self.admitted.popleft()
        if len(self.admitted) < self.per_minute:
            self.admitted.append(now)
            return None
        if self.retry_after is not None:
            self.shut_until = now + timedelta(seconds=self.retry_after)
            self.admitted.clear()
            return self.retry_after
        frees_at = self.admitted[0] + WINDOW
        return max(1, math.ceil((frees_at - now).total_seconds()))


@dataclass
class ChannelBucket:
    per_second: float
    burst: int
    tokens: float
    updated: datetime

    def retry_after(self, now: datetime) -> int | None:
        elapsed = max(0.0, (now - self.updated).total_seconds())
        self.tokens = min(float(self.burst), self.tokens + elapsed * self.per_second)
        self.updated = now
        if self.tokens >= 1:
            return None
        return max(1, math.ceil((1 - self.tokens) / self.per_second))


class RateLimiter:
    def __init__(self, *, tiers: bool) -> None:
        self._budgets: dict[str, MethodBudget] = {}
        self._channel_rule: tuple[float, int] | None = None
        self._buckets: dict[str, ChannelBucket] = {}
        if tiers:
            for method, tier in METHOD_TIERS.items():
                self.set(method, TIER_PER_MINUTE[tier])
            for method, per_minute in SPECIAL_PER_MINUTE.items():
                self.set(method, per_minute)
            self.set_channel_rule(per_second=1.0, burst=3)

    def set(self, method: str, per_minute: int | None, retry_after: int | None = None) -> None:
        if per_minute is None:
            self._budgets.pop(method, None)
            return
        if per_minute < 0 or (retry_after is not None and retry_after < 0):
            raise ValueError("limits must not be negative")
        self._budgets[method] = MethodBudget(per_minute, retry_after)

    def set_channel_rule(self, *, per_second: float | None, burst: int = 3) -> None:
        self._channel_rule = None if per_second is None else (per_second, burst)
        self._buckets.clear()

    def check(self, method: str, channel: str | None, now: datetime) -> int | None:
        """Retry-After seconds if the call is limited; otherwise counts it and returns None."""
        bucket: ChannelBucket | None = None
        if method == "chat.postMessage" and channel and self._channel_rule is not None:
            per_second, burst = self._channel_rule
            bucket = self._buckets.setdefault(
                channel, ChannelBucket(per_second, burst, float(burst), now)
            )
            wait = bucket.retry_after(now)
            if wait is not None:
                return wait
        budget = self._budgets.get(method)
        if budget is not None:
            wait = budget.admit(now)
            if wait is not None:
                return wait
        if bucket is not None:
            bucket.tokens -= 1
        return None
