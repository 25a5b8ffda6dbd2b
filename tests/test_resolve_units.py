"""Pure parts of resolve and review: action item parsing, calibration notes, the modals."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from slack_sdk.models.views import View

from bot.errors import ValidationFailed
from bot.incidents.action_items import owner_of, parse_command
from bot.incidents.alert_groups import AlertGroup, Calibration, GroupKey, calibration_note
from bot.incidents.models import DetectedBy, Incident
from bot.incidents.states import IncidentStatus
from bot.slack import ids
from bot.slack.blocks.review import MODAL_GROUPS, group_token, incident_review_modal, review_list

TODAY = date(2026, 1, 5)
WHEN = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("line", "text", "owner", "due"),
    [
        ("Add a probe", "Add a probe", None, None),
        ("Add a probe <@U0ANA> due 2026-02-01", "Add a probe", "U0ANA", date(2026, 2, 1)),
        ("<@U0ANA|ana> add a probe due:2026-02-01", "add a probe", "U0ANA", date(2026, 2, 1)),
        (
            "@identity-team tune the threshold due 2w",
            "tune the threshold",
            "identity-team",
            date(2026, 1, 19),
        ),
        ("due 3d fix the mapping", "fix the mapping", None, date(2026, 1, 8)),
        (
            "Email bob@example.com about due process",
            "Email bob@example.com about due process",
            None,
            None,
        ),
    ],
)
def test_action_items_read_owner_and_due_date_anywhere(
    line: str, text: str, owner: str | None, due: date | None
) -> None:
    item = parse_command(line, TODAY)
    assert (item.text, item.owner, item.due) == (text, owner, due)


def test_action_items_need_words_and_real_dates() -> None:
    with pytest.raises(ValidationFailed, match="say what should be done"):
        parse_command("<@U0ANA> due 2026-02-01", TODAY)
    with pytest.raises(ValidationFailed, match="not a date"):
        parse_command("fix it due 2026-02-30", TODAY)
    assert owner_of("<@W0GRID>") == "W0GRID" and owner_of("@") is None


def test_calibration_notes_start_with_the_reason() -> None:
    assert calibration_note(Calibration.THRESHOLD_TOO_TIGHT, " fires at 1% ") == (
        "threshold too tight: fires at 1%"
    )
    assert calibration_note(Calibration.FLAPPING, "") == "flapping"
    assert calibration_note(None, "just a note") == "just a note"
    assert calibration_note(None, "  ") is None


def incident() -> Incident:
    return Incident(
        id=7,
        title="Login failures",
        status=IncidentStatus.RESOLVED,
        detected_by=DetectedBy.MONITORING,
        false_positive=True,
        channel_id="C0INC7",
        resolved_at=WHEN,
    )


def group(n: int, alerts: int = 1) -> AlertGroup:
    return AlertGroup(
        key=GroupKey("alertmanager", f"Rule{n:03d}" + "x" * 190),
        count=alerts,
        unreviewed=alerts,
        first_received=WHEN,
        last_received=WHEN,
        tenants=("contoso",),
    )


def test_the_review_modal_fits_slack_limits_with_many_alert_groups() -> None:
    groups = [group(n) for n in range(MODAL_GROUPS + 12)]
    view = incident_review_modal(incident(), groups)
    body = view.to_dict()
    assert len(body["blocks"]) <= 100
    assert len(body["title"]["text"]) <= 24
    assert len(body["private_metadata"]) <= 3000 and json.loads(body["private_metadata"]) == {
        "incident": 7
    }
    block_ids = [b.get("block_id") for b in body["blocks"]]
    assert f"verdict:{group_token(groups[0].key)}" in block_ids
    assert f"verdict:{group_token(groups[-1].key)}" not in block_ids
    assert "verdict:rest" in block_ids
    rest = body["blocks"][block_ids.index("verdict:rest")]
    assert rest["label"]["text"] == "The 12 other groups (12 alerts)"
    # Acknowledged as a false positive: the verdicts start there.
    first = body["blocks"][block_ids.index(f"verdict:{group_token(groups[0].key)}")]
    assert first["element"]["initial_option"]["value"] == "false_positive"
    View(**body).validate_json()


def test_the_review_list_stays_within_a_message() -> None:
    blocks = review_list([incident()] * 40, [group(n, 3) for n in range(40)])
    assert len(blocks) <= 50
    rendered = [b.to_dict() for b in blocks]
    buttons = [b["accessory"] for b in rendered if "accessory" in b]
    assert {b["action_id"] for b in buttons} == {ids.REVIEW_OPEN, ids.REVIEW_GROUP_OPEN}
    assert all(len(b["value"]) <= 2000 for b in buttons)
    assert "…and 25 more after these." in str(rendered)
