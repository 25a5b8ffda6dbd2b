"""The read side of the JSON API: incidents (filters, pages, the single view) and tenants."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import update

from bot.clock import FakeClock
from bot.incidents import service
from bot.incidents.models import ClockStep, StepKind, StepState
from bot.incidents.states import IncidentStatus
from bot.notifications.models import (
    MessageKind,
    Notification,
    NotificationRevision,
    NotificationStatus,
)
from tests.test_webhooks_kit import API, Crebot, am_alert, am_body, crebot

RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
SIGNATURES = [
    "TenantLoginSuccessRateLow",
    "TenantApi5xxRateHigh",
    "TenantApiLatencyP99High",
    "TenantIngestionLagHigh",
    "TenantRequestsThrottled",
]


async def open_incidents(c: Crebot, tenant: str, names: list[str]) -> list[int]:
    ids = []
    for name in names:
        answer = await c.accepted("alertmanager", am_body(am_alert(tenant, name)))
        ids += answer["incidents"]["opened"]
        c.clock.advance(timedelta(minutes=1))
    return ids


async def resolve_incident(c: Crebot, incident_id: int) -> None:
    async with c.runtime.sessions() as session:
        incident = await service.get(session, incident_id)
        await service.acknowledge(session, incident, user="U0ONCALL1", now=c.clock.now())
        service.move(incident, IncidentStatus.RESOLVED, c.clock.now(), "U0ONCALL1", session)
        await session.commit()


async def test_the_api_needs_its_bearer_token(database_url: str, clock: FakeClock) -> None:
    async with crebot(database_url, clock) as c:
        for path in ("/api/incidents", "/api/incidents/1", "/api/tenants"):
            assert (await c.http.get(path)).status_code == 401
            wrong = {"Authorization": "Bearer nope"}
            assert (await c.http.get(path, headers=wrong)).status_code == 401
            query_token = await c.http.get(path, params={"token": "test-api-token"})
            assert query_token.status_code == 401  # the API takes the header only
    async with crebot(database_url, clock, api_token=None) as c:
        assert (await c.http.get("/api/incidents", headers=API)).status_code == 401


async def test_list_newest_first_with_the_contract_fields(
    database_url: str, clock: FakeClock
) -> None:
    async with crebot(database_url, clock) as c:
        ids = await open_incidents(c, "contoso", SIGNATURES[:2])
        answer = await c.http.get("/api/incidents", headers=API)
        assert answer.status_code == 200
        data = answer.json()
        assert [i["id"] for i in data["incidents"]] == ids[::-1] and data["next_cursor"] is None
        first = data["incidents"][-1]
        assert first["number"] == first["id"] and first["tenant"] == "contoso"
        assert first["signature"] == "identity-login-failures" and first["severity"] == "sev2"
        assert first["status"] == "open" and first["detected_by"] == "monitoring"
        for name in ("opened_at", "response_deadline"):
            assert RFC3339_UTC.match(first[name]), first[name]
        assert first["acknowledged_at"] is None and first["acknowledged_by"] is None
        assert first["escalations"] == [] and first["channel_id"] is None
        assert first["platform_incident_id"] is None and first["all_alerts_resolved"] is False


async def test_filters_by_status_and_tenant(database_url: str, clock: FakeClock) -> None:
    async with crebot(database_url, clock) as c:
        contoso = await open_incidents(c, "contoso", SIGNATURES[:3])
        fabrikam = await open_incidents(c, "fabrikam", SIGNATURES[:1])
        await resolve_incident(c, contoso[0])

        async def ids(**params: str) -> list[int]:
            answer = await c.http.get("/api/incidents", headers=API, params=params)
            assert answer.status_code == 200, answer.text
            return [i["id"] for i in answer.json()["incidents"]]

        assert await ids(status="open") == [fabrikam[0], contoso[2], contoso[1]]
        assert await ids(status="resolved") == [contoso[0]]
        assert await ids(status="acknowledged") == []
        assert await ids(tenant="contoso") == contoso[::-1]
        assert await ids(tenant="contoso", status="open") == [contoso[2], contoso[1]]
        assert await ids(tenant="tailspin") == []


async def test_cursor_pages_do_not_shift_when_incidents_open(
    database_url: str, clock: FakeClock
) -> None:
    async with crebot(database_url, clock) as c:
        opened = await open_incidents(c, "northwind", SIGNATURES)
        seen: list[int] = []
        params = {"limit": "2"}
        pages = 0
        while True:
            answer = (await c.http.get("/api/incidents", headers=API, params=params)).json()
            seen += [i["id"] for i in answer["incidents"]]
            pages += 1
            if pages == 1:  # a new incident opens while the client pages
                await open_incidents(c, "fabrikam", SIGNATURES[:1])
            if answer["next_cursor"] is None:
                break
            params = {"limit": "2", "cursor": answer["next_cursor"]}
        assert seen == opened[::-1] and pages == 3


async def test_bad_query_parameters_are_422_naming_the_field(
    database_url: str, clock: FakeClock
) -> None:
    async with crebot(database_url, clock) as c:
        for params, field in (
            ({"status": "on-fire"}, "status"),
            ({"limit": "0"}, "limit"),
            ({"limit": "201"}, "limit"),
            ({"limit": "ten"}, "limit"),
            ({"limit": "-1"}, "limit"),
            ({"cursor": "not-a-cursor"}, "cursor"),
            ({"cursor": "eyJiZWZvcmUiOiAieCJ9"}, "cursor"),  # {"before": "x"}
            ({"tenant": ""}, "tenant"),
        ):
            answer = await c.http.get("/api/incidents", headers=API, params=params)
            assert answer.status_code == 422, params
            assert answer.json()["field"] == field
        assert (await c.http.get("/api/incidents?limit=200", headers=API)).status_code == 200


async def test_the_single_view_has_alerts_timeline_escalations_and_messages(
    database_url: str, clock: FakeClock
) -> None:
    async with crebot(database_url, clock) as c:
        await c.accepted(
            "alertmanager",
            am_body(am_alert("contoso", starts="2026-03-14T11:58:30+01:00", cluster="eu")),
        )
        [incident] = await c.incidents()
        url = f"/api/incidents/{incident.id}"
        view = (await c.http.get(url, headers=API)).json()
        assert view["id"] == incident.id and view["tenant"] == "contoso"
        [alert] = view["alerts"]
        assert alert["source"] == "alertmanager" and alert["status"] == "firing"
        assert alert["dedup_key"] == "fp-contoso-TenantLoginSuccessRateLow"
        assert alert["labels"]["cluster"] == "eu"
        assert alert["starts_at"] == "2026-03-14T10:58:30Z" and alert["ends_at"] is None
        kinds = [e["kind"] for e in view["timeline"]]
        assert kinds[0] == "opened" and kinds.count("alert") == 1
        assert all(RFC3339_UTC.match(e["at"]) for e in view["timeline"])
        assert "intake" in view  # its shape belongs to the intake (bot/intake/serialize.py)
        drafted = {n["id"] for n in view["notifications"]}  # whatever opening drafted

        fired_at = clock.now() + timedelta(minutes=10)
        async with c.runtime.sessions() as session:
            await session.execute(
                update(ClockStep)
                .where(ClockStep.incident_id == incident.id, ClockStep.kind == StepKind.ESCALATION)
                .where(ClockStep.step_index == 0)
                .values(state=StepState.FIRED, fired_at=fired_at)
            )
            notification = Notification(
                incident_id=incident.id,
                kind=MessageKind.INITIAL,
                status=NotificationStatus.PENDING_APPROVAL,
                revision=2,
                created_at=clock.now(),
            )
            session.add(notification)
            await session.flush()
            for number, text in ((1, "first draft"), (2, "We are investigating.")):
                session.add(
                    NotificationRevision(
                        notification_id=notification.id,
                        revision=number,
                        text=text,
                        created_at=clock.now(),
                    )
                )
            await session.commit()
        view = (await c.http.get(url, headers=API)).json()
        assert view["escalations"] == [
            {
                "at": fired_at.isoformat().replace("+00:00", "Z"),
                "step": 1,
                "targets": ["S0CREONCALL2"],
                "paged": [],
            }
        ]
        [message] = [n for n in view["notifications"] if n["id"] not in drafted]
        assert message["kind"] == "initial" and message["revision"] == 2
        assert message["text"] == "We are investigating." and message["delivered_at"] is None
        listed = (await c.http.get("/api/incidents", headers=API)).json()["incidents"]
        assert listed[0]["escalations"] == view["escalations"]


async def test_an_unknown_incident_is_404(database_url: str, clock: FakeClock) -> None:
    async with crebot(database_url, clock) as c:
        for path in ("/api/incidents/999", "/api/incidents/abc", "/api/incidents/1e3"):
            answer = await c.http.get(path, headers=API)
            assert answer.status_code == 404 and answer.json()["error"] == "not_found"


async def test_tenants_lists_the_key_tenants(database_url: str, clock: FakeClock) -> None:
    async with crebot(database_url, clock) as c:
        await c.accepted("alertmanager", am_body(am_alert("tailspin")))  # non-key: not listed
        answer = await c.http.get("/api/tenants", headers=API)
        assert answer.status_code == 200
        assert answer.json()["tenants"] == [
            {
                "id": "contoso",
                "name": "Contoso Ltd",
                "tier": "mission-critical",
                "timezone": "Europe/London",
            },
            {
                "id": "fabrikam",
                "name": "Fabrikam Inc",
                "tier": "strategic",
                "timezone": "America/New_York",
            },
            {
                "id": "northwind",
                "name": "Northwind Traders",
                "tier": "strategic",
                "timezone": "Asia/Tokyo",
            },
        ]
