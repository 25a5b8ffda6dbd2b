"""Who may approve a customer message, and when a draft can no longer be sent as is.

Pure functions over plain values: the Slack edge resolves user groups to user ids and the
service reads the rows, so these rules read the same in a test as in production.

- Only the tenant's CSAMs or the approvers of crebot.yaml approve or reject.
- Four eyes: whoever wrote a revision may not approve it, except a CSAM of that tenant
  approving their own wording (the CSAM owns the relationship and speaks for it anyway).
- Only the latest revision may be approved: an approval names the revision it saw.
- A draft is stale when, after its latest revision was written, the incident was mitigated
  or resolved, or the impact window changed. Acknowledgement changes nothing the customer
  reads, so it never makes a draft stale. A `resolved` message is written for the end of
  the incident, so mitigation and resolution do not make it stale (a changed window does).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.notifications.context import ImpactWindow
from bot.notifications.models import MessageKind, NotificationStatus

S = NotificationStatus
LIVE = frozenset({S.DRAFT, S.PENDING_APPROVAL})  # not yet decided: may still change
SENT = frozenset({S.APPROVED, S.DELIVERED, S.AWAITING_RELAY})
EDITABLE = frozenset({S.DRAFT, S.PENDING_APPROVAL, S.STALE})


@dataclass(frozen=True)
class Deciders:
    """The people who may decide on a tenant's messages, user groups already resolved."""

    tenant_name: str
    csams: frozenset[str]
    approvers: frozenset[str]

    def may_decide(self, user: str) -> bool:
        return user in self.csams or user in self.approvers

    def is_csam(self, user: str) -> bool:
        return user in self.csams

    def describe(self) -> str:
        return f"{self.tenant_name}'s CSAMs or the approvers of crebot.yaml"


class Refused(StrEnum):
    NOT_A_DECIDER = "not_a_decider"
    NOT_PENDING = "not_pending"
    ALREADY_DECIDED = "already_decided"
    SUPERSEDED = "superseded"
    STALE = "stale"
    FOUR_EYES = "four_eyes"


@dataclass(frozen=True)
class Refusal:
    code: Refused
    message: str


@dataclass(frozen=True)
class Standing:
    """Where a message stands, as far as a decision on it is concerned."""

    status: NotificationStatus
    revision: int  # the latest
    author: str | None  # of the latest revision; None when crebot drafted it
    decided_by: str | None = None  # who approved or rejected it
    stale_reason: str | None = None


def _not_open(standing: Standing) -> Refusal | None:
    status = standing.status
    who = f" by <@{standing.decided_by}>" if standing.decided_by else ""
    if status in SENT:
        return Refusal(Refused.ALREADY_DECIDED, f"This message was already approved{who}.")
    if status == S.REJECTED:
        return Refusal(Refused.ALREADY_DECIDED, f"This message was rejected{who}.")
    if status == S.STALE:
        reason = standing.stale_reason or "it is out of date"
        return Refusal(
            Refused.STALE,
            f"This draft is stale ({reason}) and cannot be sent as is. "
            "Edit it, or draft a new message.",
        )
    if status == S.DRAFT:
        return Refusal(
            Refused.NOT_PENDING,
            "Customer impact is not confirmed yet, so this draft is not up for approval. "
            "Confirm impact first.",
        )
    return None


def approval_refusal(
    standing: Standing,
    *,
    revision: int,
    user: str,
    deciders: Deciders,
    stale_reason: str | None = None,
) -> Refusal | None:
    """Why `user` may not approve `revision` now, or None when they may."""
    if not deciders.may_decide(user):
        return Refusal(
            Refused.NOT_A_DECIDER,
            f"Only {deciders.describe()} may approve this message. Nothing was sent.",
        )
    closed = _not_open(standing)
    if closed is not None:
        return closed
    if revision != standing.revision:
        return Refusal(
            Refused.SUPERSEDED,
            f"Revision {revision} was replaced by revision {standing.revision}. "
            "Read the latest revision and approve that one.",
        )
    if stale_reason is not None:
        return Refusal(
            Refused.STALE,
            f"This draft is stale ({stale_reason}) and cannot be sent as is. "
            "Edit it, or draft a new message.",
        )
    if standing.author == user and not deciders.is_csam(user):
        return Refusal(
            Refused.FOUR_EYES,
            f"You wrote revision {revision}, so someone else must approve it (four eyes): "
            f"{deciders.describe()}.",
        )
    return None


def rejection_refusal(
    standing: Standing, *, revision: int, user: str, deciders: Deciders
) -> Refusal | None:
    """Why `user` may not reject `revision` now, or None when they may."""
    if not deciders.may_decide(user):
        return Refusal(
            Refused.NOT_A_DECIDER, f"Only {deciders.describe()} may reject this message."
        )
    if standing.status in SENT or standing.status == S.REJECTED:
        return _not_open(standing)
    if revision != standing.revision:
        return Refusal(
            Refused.SUPERSEDED,
            f"Revision {revision} was replaced by revision {standing.revision}; "
            "read the latest before rejecting it.",
        )
    return None


def stale_reason(
    *,
    kind: MessageKind,
    written_at: datetime,
    mitigated_at: datetime | None,
    resolved_at: datetime | None,
    window_then: ImpactWindow,
    window_now: ImpactWindow,
) -> str | None:
    """Why a revision written at `written_at` can no longer be sent as is, or None."""
    if kind != MessageKind.RESOLVED:
        if resolved_at is not None and resolved_at > written_at:
            return "the incident was resolved after it was written"
        if mitigated_at is not None and mitigated_at > written_at:
            return "the incident was mitigated after it was written"
    if window_then != window_now:
        return "the impact window changed after it was written"
    return None
