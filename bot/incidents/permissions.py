"""Who may acknowledge an incident: a pure rule over configured roles and resolved users.

crebot.yaml names people by Slack user and user-group ids. The edge resolves groups to
users (that needs Slack) and hands the result to `may_acknowledge`, so the rule itself is
plain Python that tests can read without a workspace.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from bot.config.domain import AckRole, DomainConfig
from bot.playbooks import UNCLASSIFIED_ID

ROLE_NAMES = {
    AckRole.ONCALL: "the on-call",
    AckRole.OWNER: "the owning team",
    AckRole.ESCALATION: "the escalation contacts",
    AckRole.APPROVERS: "the approvers",
    AckRole.CSAMS: "the tenant's CSAMs",
    AckRole.ANYONE: "anyone",
}


def owner_targets(config: DomainConfig, owner_team: str | None, signature_id: str) -> list[str]:
    """The people an incident is routed to: its team, or the on-call for `unclassified`
    incidents and for a team that crebot.yaml no longer lists."""
    team = config.teams.get(owner_team) if owner_team else None
    if team is None or signature_id == UNCLASSIFIED_ID or not team.members:
        return list(config.oncall)
    return list(team.members)


def role_targets(
    config: DomainConfig,
    *,
    tenant_id: str | None,
    owner_team: str | None,
    signature_id: str,
    roles: Iterable[AckRole],
) -> dict[AckRole, list[str]]:
    """Configured user and group ids per role (groups not yet resolved)."""
    tenant = config.tenant(tenant_id)
    targets: dict[AckRole, list[str]] = {}
    for role in roles:
        if role == AckRole.ONCALL:
            targets[role] = list(config.oncall)
        elif role == AckRole.OWNER:
            targets[role] = owner_targets(config, owner_team, signature_id)
        elif role == AckRole.ESCALATION:
            steps = config.escalation_for(tenant_id)
            targets[role] = list(dict.fromkeys(t for step in steps for t in step.notify))
        elif role == AckRole.APPROVERS:
            targets[role] = list(config.approvers)
        elif role == AckRole.CSAMS:
            targets[role] = list(tenant.csams) if tenant else []
    return targets


def may_acknowledge(
    user_id: str, roles: Collection[AckRole], members: Mapping[AckRole, Collection[str]]
) -> bool:
    """True if `user_id` holds one of `roles`; `members` has each role's resolved users."""
    if AckRole.ANYONE in roles:
        return True
    return any(user_id in members.get(role, ()) for role in roles)


def describe(roles: Collection[AckRole], owner_team: str | None) -> str:
    """ "the on-call, the owning team (identity) or the approvers", for an explanation."""
    names = []
    for role in roles:
        name = ROLE_NAMES[role]
        if role == AckRole.OWNER and owner_team:
            name = f"{name} ({owner_team})"
        names.append(name)
    if not names:
        return "nobody (permissions.acknowledge in crebot.yaml is empty)"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " or " + names[-1]
