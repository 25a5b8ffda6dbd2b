"""The incident lifecycle as an explicit state machine.

    open ──► acknowledged ──► mitigated ──► resolved ──► reviewed
      │            │                          ▲
      │            └──────────────────────────┤   (resolve without a mitigation step)
      └──► (acknowledge is required first: nobody resolves what nobody looked at)

"All alerts resolved" is a flag on the incident, not a state: customer impact must be
confirmed by a person. `open` in the API's `?status=open` means "not yet resolved".
"""

from __future__ import annotations

from enum import StrEnum

from bot.errors import IllegalTransition


class IncidentStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    MITIGATED = "mitigated"
    RESOLVED = "resolved"
    REVIEWED = "reviewed"


S = IncidentStatus

TRANSITIONS: dict[IncidentStatus, frozenset[IncidentStatus]] = {
    S.OPEN: frozenset({S.ACKNOWLEDGED}),
    S.ACKNOWLEDGED: frozenset({S.MITIGATED, S.RESOLVED}),
    S.MITIGATED: frozenset({S.RESOLVED, S.ACKNOWLEDGED}),  # mitigation did not hold
    S.RESOLVED: frozenset({S.REVIEWED, S.ACKNOWLEDGED}),  # reopened: impact came back
    S.REVIEWED: frozenset(),
}

# States in which the incident still needs work (the API's `status=open`).
ACTIVE = frozenset({S.OPEN, S.ACKNOWLEDGED, S.MITIGATED})


def can_transition(current: IncidentStatus, target: IncidentStatus) -> bool:
    return target in TRANSITIONS[current]


def check_transition(current: IncidentStatus, target: IncidentStatus) -> IncidentStatus:
    """Return `target` if the lifecycle allows it, else raise IllegalTransition."""
    if target not in TRANSITIONS[current]:
        raise IllegalTransition(
            current.value, target.value, {s.value for s in TRANSITIONS[current]}
        )
    return target
