"""Pure parts of the room: channel names, safe text, the header and listings within limits,
and the acknowledgement rule. No database, no Slack."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.config.domain import AckRole, DomainConfig
from bot.incidents.permissions import describe, may_acknowledge, role_targets
from bot.incidents.queries import IncidentRow, TenantGroup
from bot.incidents.states import IncidentStatus
from bot.incidents.view import AlertDigest, HeaderView, IntakeSummary, NotificationSummary
from bot.slack import ids
from bot.slack.blocks.fit import fit, link
from bot.slack.blocks.header import header_blocks, header_text
from bot.slack.blocks.listing import home_view, list_message, status_message
from bot.slack.channel_names import channel_name, slug
from tests.fakes.slack.blocks import message_blocks, view_definition

NOW = datetime(2026, 3, 3, 14, 5, tzinfo=UTC)
VALID_NAME = re.compile(r"^[a-z0-9_-]{1,80}$")


def view(**changes: object) -> HeaderView:
    base = HeaderView(
        incident_id=42,
        number=42,
        tenant_id="contoso",
        tenant_name="Contoso Ltd",
        signature_id="identity-login-failures",
        signature_title="Identity login failures",
        severity="sev2",
        status=IncidentStatus.OPEN,
        title="Login success rate low",
        owner_team="identity",
        opened_at=NOW,
        response_deadline=NOW + timedelta(minutes=10),
        acknowledged_at=None,
        acknowledged_by=None,
        false_positive=False,
        alert_count=2,
        firing_count=1,
        all_alerts_resolved=False,
        fastest_check_url="https://grafana.example/d/login?var-tenant=contoso",
        fastest_check_label="Login success rate",
        runbook=("Open the dashboard.", "Compare with all tenants."),
        now=NOW,
        channel_id="C0ROOM",
        first_alert=AlertDigest("Login rate low", "It is low.", {"alertname": "X"}, None),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def texts(value: object) -> list[str]:
    if isinstance(value, dict):
        return [
            t
            for k, v in value.items()
            for t in ([v] if k == "text" and isinstance(v, str) else texts(v))
        ]
    if isinstance(value, list):
        return [t for item in value for t in texts(item)]
    return []


def slack_accepts(blocks: list) -> None:  # type: ignore[type-arg]
    """The fake validates as Slack's server does: limits, ids, and slack_sdk's own checks."""
    message_blocks([b.to_dict() for b in blocks])


@pytest.mark.parametrize(
    ("number", "tenant", "signature", "attempt", "expected"),
    [
        (42, "contoso", "identity-login-failures", 1, "inc-42-contoso-identity-login-failures"),
        (42, "contoso", "identity-login-failures", 3, "inc-42-contoso-identity-login-failures-3"),
        (7, None, "api-errors", 1, "inc-7-platform-api-errors"),
        (7, "Zürich_Bank AG", "api errors!", 1, "inc-7-zurich_bank-ag-api-errors"),
    ],
)
def test_channel_names_are_predictable(
    number: int, tenant: str | None, signature: str, attempt: int, expected: str
) -> None:
    assert channel_name(number, tenant, signature, attempt) == expected


def test_long_channel_names_keep_their_suffix_within_80() -> None:
    tenant, signature = "t" * 63, "s" * 64
    for attempt in (1, 2, 10, 100):
        name = channel_name(123456, tenant, signature, attempt)
        assert VALID_NAME.match(name) and len(name) <= 80
        if attempt > 1:
            assert name.endswith(f"-{attempt}")
    assert len({channel_name(1, tenant, signature, a) for a in range(1, 30)}) == 29
    assert slug("--A  b__--") == "a-b"


def test_fit_escapes_and_never_splits_an_entity() -> None:
    assert fit("<!channel> & <@U1>", 100) == "&lt;!channel&gt; &amp; &lt;@U1&gt;"
    for limit in range(1, 40):
        text = fit("<" * 50, limit)
        assert len(text) <= limit
        assert not re.search(r"&(l|lt|g|gt|a|am|amp)?$", text.removesuffix("…")) or text == "…"
    assert link("https://x.example/a|b>c", "a|b <c>") == (
        "<https://x.example/a%7Cb%3Ec|a¦b &lt;c&gt;>"
    )
    assert link("javascript:alert(1)", "x") == "x", "only http(s) becomes a link"


def test_the_header_has_the_facts_and_the_buttons() -> None:
    blocks = header_blocks(view())
    slack_accepts(blocks)
    shown = str([b.to_dict() for b in blocks])
    for fact in ("Contoso Ltd", "Identity login failures", "sev2", "open", "2 (1 firing)"):
        assert fact in shown
    assert f"<!date^{int((NOW + timedelta(minutes=10)).timestamp())}^" in shown
    assert "<https://grafana.example/d/login?var-tenant=contoso|Login success rate>" in shown
    assert "1. Open the dashboard." in shown
    for action in (ids.ACK, ids.START_INTAKE, ids.DRAFT_UPDATE, ids.RESOLVE):
        assert action in shown
    assert ids.ACK_FALSE_POSITIVE not in shown
    assert (
        header_text(view()) == "Incident #42 · Contoso Ltd · Identity login failures · sev2 · open"
    )


def test_the_header_follows_the_incident() -> None:
    resolved_alerts = str([b.to_dict() for b in header_blocks(view(all_alerts_resolved=True))])
    assert ids.ACK_FALSE_POSITIVE in resolved_alerts and "all resolved" in resolved_alerts
    late = view(now=NOW + timedelta(minutes=11), escalations_fired=1)
    assert "Response SLO missed" in str([b.to_dict() for b in header_blocks(late)])
    acked = view(
        status=IncidentStatus.ACKNOWLEDGED,
        acknowledged_at=NOW + timedelta(minutes=3),
        acknowledged_by="U0ONCALL1",
        intake=IntakeSummary(2, "U0CSAM", NOW, "tenant", "confirmed"),
        notification=NotificationSummary("initial", "pending_approval", 1),
    )
    shown = str([b.to_dict() for b in header_blocks(acked)])
    assert "Acknowledged by <@U0ONCALL1>" in shown and ids.ACK not in shown.replace(
        ids.ACK_FALSE_POSITIVE, ""
    )
    assert "*Intake*: revision 2" in shown and "pending approval" in shown
    resolved = view(status=IncidentStatus.RESOLVED, acknowledged_at=NOW, acknowledged_by="U1")
    shown = str([b.to_dict() for b in header_blocks(resolved)])
    assert ids.RESOLVE not in shown and ids.START_INTAKE not in shown


def test_an_enormous_incident_still_fits_slack_limits() -> None:
    huge = view(
        tenant_name="T" * 500,
        signature_title="S" * 500,
        title="x" * 5000,
        runbook=tuple("step " * 400 for _ in range(40)),
        first_alert=AlertDigest(
            "<!channel>" * 500,
            "<b>" * 10000,
            {f"k{i}": "<@U1>" * 100 for i in range(300)},
            "https://alerts.example/1",
        ),
        fastest_check_label="L" * 1000,
    )
    blocks = header_blocks(huge)
    slack_accepts(blocks)
    assert len(blocks) <= 50
    # Slack also refuses a message whose blocks hold too much text in all (~13,000).
    assert sum(len(t) for t in texts([b.to_dict() for b in blocks])) < 12_000
    shown = str([b.to_dict() for b in blocks])
    assert "<https://alerts.example/1|the full text in the alert>" in shown
    assert "<!channel>" not in shown and "<@U1>" not in shown


def rows(n: int, tenant: str) -> tuple[IncidentRow, ...]:
    return tuple(
        IncidentRow(
            i,
            i,
            tenant,
            "sev2",
            "Identity login failures <!here>",
            IncidentStatus.OPEN,
            f"C{i:08d}",
            NOW,
            NOW + timedelta(minutes=10),
            None,
            None,
            False,
        )
        for i in range(n)
    )


def test_listings_fit_however_much_is_open() -> None:
    groups = [TenantGroup(f"t{i}", f"Tenant {i}", "gold", rows(40, f"t{i}")) for i in range(120)]
    text, blocks = list_message(groups, NOW)
    slack_accepts(blocks)
    assert "4800 open incident(s)" in text and len(blocks) <= 50
    home = home_view(groups, NOW + timedelta(hours=1)).to_dict()
    view_definition(home, ("home",))
    assert len(home["blocks"]) <= 100 and "<!here>" not in str(home)
    _text, status = status_message(view())
    slack_accepts(status)


def config(**values: object) -> DomainConfig:
    return DomainConfig.model_validate(
        {
            "oncall": ["S0ONCALL"],
            "approvers": ["U0LEAD"],
            "teams": {"identity": {"members": ["S0IDENTITY"]}},
            "tenants": [{"id": "contoso", "name": "Contoso", "csams": ["U0CSAM"]}],
            "response": {"escalation": [{"after": "0m", "notify": ["U0MANAGER"]}]},
            **values,
        }
    )


def test_who_may_acknowledge() -> None:
    roles = list(config().permissions.acknowledge)
    targets = role_targets(
        config(),
        tenant_id="contoso",
        owner_team="identity",
        signature_id="identity-login-failures",
        roles=[*roles, AckRole.CSAMS],
    )
    assert targets == {
        AckRole.ONCALL: ["S0ONCALL"],
        AckRole.OWNER: ["S0IDENTITY"],
        AckRole.ESCALATION: ["U0MANAGER"],
        AckRole.APPROVERS: ["U0LEAD"],
        AckRole.CSAMS: ["U0CSAM"],
    }
    unclassified = role_targets(
        config(), tenant_id=None, owner_team=None, signature_id="unclassified", roles=roles
    )
    assert unclassified[AckRole.OWNER] == ["S0ONCALL"], "unclassified belongs to the on-call"
    members = {AckRole.ONCALL: ["U1"], AckRole.OWNER: ["U2"], AckRole.CSAMS: ["U3"]}
    assert may_acknowledge("U2", roles, members)
    assert not may_acknowledge("U3", roles, members), "CSAMs are not in the default roles"
    assert may_acknowledge("U9", [AckRole.ANYONE], {})
    assert describe(roles, "identity") == (
        "the on-call, the owning team (identity), the escalation contacts or the approvers"
    )
