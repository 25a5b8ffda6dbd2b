from __future__ import annotations

import pytest

from bot.errors import IllegalTransition
from bot.incidents.states import (
    ACTIVE,
    TRANSITIONS,
    IncidentStatus,
    can_transition,
    check_transition,
)

S = IncidentStatus


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.OPEN, S.ACKNOWLEDGED),
        (S.ACKNOWLEDGED, S.MITIGATED),
        (S.ACKNOWLEDGED, S.RESOLVED),
        (S.MITIGATED, S.RESOLVED),
        (S.MITIGATED, S.ACKNOWLEDGED),
        (S.RESOLVED, S.REVIEWED),
        (S.RESOLVED, S.ACKNOWLEDGED),
    ],
)
def test_legal_transitions(current: S, target: S) -> None:
    assert can_transition(current, target)
    assert check_transition(current, target) is target


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.OPEN, S.RESOLVED),  # nobody resolves what nobody acknowledged
        (S.OPEN, S.MITIGATED),
        (S.OPEN, S.REVIEWED),
        (S.ACKNOWLEDGED, S.REVIEWED),
        (S.REVIEWED, S.OPEN),
        (S.ACKNOWLEDGED, S.ACKNOWLEDGED),
    ],
)
def test_illegal_transitions_say_what_is_allowed(current: S, target: S) -> None:
    assert not can_transition(current, target)
    with pytest.raises(IllegalTransition) as err:
        check_transition(current, target)
    assert current.value in str(err.value) and target.value in str(err.value)
    assert err.value.allowed == {s.value for s in TRANSITIONS[current]}


def test_reviewed_is_final_and_every_state_has_a_row() -> None:
    assert set(TRANSITIONS) == set(S)
    assert TRANSITIONS[S.REVIEWED] == frozenset()
    assert "final state" in str(IllegalTransition("reviewed", "open", set()))


def test_active_means_not_yet_resolved() -> None:
    assert {S.OPEN, S.ACKNOWLEDGED, S.MITIGATED} == ACTIVE
