"""The approval rules as pure functions: who may decide, four eyes, latest revision only,
and when a draft is stale."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.notifications.context import ImpactWindow
from bot.notifications.models import MessageKind, NotificationStatus
from bot.notifications.rules import (
    Deciders,
    Refused,
    Standing,
    approval_refusal,
    rejection_refusal,
    stale_reason,
)

S = NotificationStatus
DECIDERS = Deciders("Contoso Ltd", frozenset({"UCSAM"}), frozenset({"ULEAD"}))
T0 = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)
WINDOW = ImpactWindow(T0, None)


def pending(author: str | None = None, revision: int = 2) -> Standing:
    return Standing(S.PENDING_APPROVAL, revision, author)


def refused(standing: Standing, user: str, revision: int = 2) -> Refused | None:
    refusal = approval_refusal(standing, revision=revision, user=user, deciders=DECIDERS)
    return refusal.code if refusal else None


def test_the_tenants_csams_and_the_approvers_decide_nobody_else() -> None:
    assert refused(pending(), "UCSAM") is None
    assert refused(pending(), "ULEAD") is None
    assert refused(pending(), "UONCALL") == Refused.NOT_A_DECIDER


def test_four_eyes_except_a_csam_approving_their_own_wording() -> None:
    assert refused(pending(author="ULEAD"), "ULEAD") == Refused.FOUR_EYES
    assert refused(pending(author="ULEAD"), "UCSAM") is None
    assert refused(pending(author="UCSAM"), "UCSAM") is None
    assert refused(pending(author=None), "ULEAD") is None, "crebot's draft: anyone may"


def test_only_the_latest_revision_and_only_while_pending() -> None:
    assert refused(pending(), "UCSAM", revision=1) == Refused.SUPERSEDED
    assert refused(Standing(S.DRAFT, 2, None), "UCSAM") == Refused.NOT_PENDING
    assert refused(Standing(S.DELIVERED, 2, None, "ULEAD"), "UCSAM") == Refused.ALREADY_DECIDED
    assert refused(Standing(S.STALE, 2, None, None, "it moved"), "UCSAM") == Refused.STALE
    stale = approval_refusal(
        pending(), revision=2, user="UCSAM", deciders=DECIDERS, stale_reason="moved"
    )
    assert stale is not None and stale.code == Refused.STALE


def test_rejection_needs_a_decider_and_the_latest_revision() -> None:
    assert rejection_refusal(pending(), revision=2, user="UCSAM", deciders=DECIDERS) is None
    nobody = rejection_refusal(pending(), revision=2, user="UX", deciders=DECIDERS)
    assert nobody is not None and nobody.code == Refused.NOT_A_DECIDER
    old = rejection_refusal(pending(), revision=1, user="UCSAM", deciders=DECIDERS)
    assert old is not None and old.code == Refused.SUPERSEDED


def stale(kind: MessageKind = MessageKind.INITIAL, **changes: object) -> str | None:
    facts: dict[str, object] = {
        "kind": kind,
        "written_at": T0,
        "mitigated_at": None,
        "resolved_at": None,
        "window_then": WINDOW,
        "window_now": WINDOW,
    }
    facts.update(changes)
    return stale_reason(**facts)  # type: ignore[arg-type]


def test_what_makes_a_draft_stale() -> None:
    later = T0 + timedelta(minutes=5)
    assert stale() is None, "nothing happened: acknowledgement is not even an input"
    assert "mitigated" in str(stale(mitigated_at=later))
    assert "resolved" in str(stale(resolved_at=later))
    assert stale(mitigated_at=T0 - timedelta(minutes=1)) is None, "written after mitigation"
    moved = ImpactWindow(T0 - timedelta(hours=1), None)
    assert "impact window" in str(stale(window_now=moved))
    ended = ImpactWindow(T0, T0 + timedelta(minutes=30))
    assert "impact window" in str(stale(window_now=ended))


def test_a_resolved_message_is_written_for_the_end() -> None:
    later = T0 + timedelta(minutes=5)
    assert stale(MessageKind.RESOLVED, mitigated_at=later, resolved_at=later) is None
    moved = ImpactWindow(T0 - timedelta(hours=1), None)
    assert stale(MessageKind.RESOLVED, window_now=moved) is not None
