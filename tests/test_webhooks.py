"""Alerts to incidents over HTTP: the lifecycle of alerts and incidents, as tools deliver them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clock import FakeClock
from bot.incidents import service
from bot.incidents.states import IncidentStatus
from bot.incidents.timeline import EntryKind
from bot.ingest.models import Disposition
from bot.ingest.occurrences import OPEN
from tests.test_webhooks_kit import am_alert, am_body, crebot, payload, resolved


async def test_a_group_opens_one_incident_per_key_tenant_and_signature(
    database_url: str, clock: FakeClock
) -> None:
    async with crebot(database_url, clock) as c:
        body = am_body(
            am_alert("contoso", "TenantLoginSuccessRateLow"),
            am_alert("contoso", "TenantLoginErrorRateHigh"),  # same signature: same incident
            am_alert("fabrikam", "TenantApi5xxRateHigh"),
            am_alert("contoso", "SomethingNoPlaybookKnows"),  # key tenant: unclassified
            am_alert(None, "TenantLoginSuccessRateLow"),
            am_alert("tailspin", "TenantLoginSuccessRateLow"),  # not in crebot.yaml
        )
        answer = await c.accepted("alertmanager", body)

        assert answer["accepted"] == 6 and answer["new"] == 6 and answer["problems"] == []
        assert [(i["index"], i["reason"]) for i in answer["ignored"]] == [
            (4, "untenanted"),
            (5, "non_key"),
        ]
        incidents = await c.incidents()
        assert answer["incidents"] == {"opened": [i.id for i in incidents], "updated": []}
        assert {(i.tenant_id, i.signature_id) for i in incidents} == {
            ("contoso", "identity-login-failures"),
            ("fabrikam", "api-errors"),
            ("contoso", "unclassified"),
        }
        login = next(i for i in incidents if i.signature_id == "identity-login-failures")
        assert login.status is IncidentStatus.OPEN and login.detected_by.value == "monitoring"
        assert login.opened_at == clock.now()
        assert login.response_deadline == clock.now() + timedelta(minutes=10)  # contoso's SLO
        assert login.title == "Contoso Ltd: Identity login failures"

        alerts = await c.alerts()
        assert [a.disposition for a in alerts].count(Disposition.INCIDENT) == 4
        stored = {a.dedup_key: a for a in alerts}
        assert stored["fp-None-TenantLoginSuccessRateLow"].disposition is Disposition.UNTENANTED
        assert stored["fp-None-TenantLoginSuccessRateLow"].incident_id is None
        assert stored["fp-tailspin-TenantLoginSuccessRateLow"].disposition is Disposition.NON_KEY
        assert stored["fp-tailspin-TenantLoginSuccessRateLow"].tenant == "tailspin"
        assert {
            stored["fp-contoso-TenantLoginSuccessRateLow"].incident_id,
            stored["fp-contoso-TenantLoginErrorRateHigh"].incident_id,
        } == {login.id}
        first = stored["fp-contoso-TenantLoginSuccessRateLow"]
        assert first.starts_at == datetime(2026, 3, 14, 10, tzinfo=UTC) and first.ends_at is None
        assert first.links["source"].startswith("https://prometheus.example/")

        # The room's Slack work is queued with the incident, not done before answering.
        rooms = await c.ops("room.open")
        assert sorted(op.incident_id for op in rooms) == sorted(i.id for i in incidents)
        kinds = [e.kind for e in await c.timeline(login.id)]
        assert kinds[0] == EntryKind.OPENED and kinds.count(EntryKind.ALERT) == 2


async def test_the_same_delivery_twice_changes_nothing(database_url: str, clock: FakeClock) -> None:
    async with crebot(database_url, clock) as c:
        body = payload("alertmanager_firing_group.json")
        first = await c.accepted("alertmanager", body)
        before = await c.counts()
        clock.advance(timedelta(minutes=3))
        again = await c.accepted("alertmanager", body)

        assert first["new"] == 3 and len(first["incidents"]["opened"]) == 2
        assert again["new"] == 0 and again["duplicates"] == 3
        assert again["incidents"] == {"opened": [], "updated": []}
        assert {i["reason"] for i in again["ignored"]} == {"duplicate"}
        assert await c.counts() == before


async def test_the_same_start_sent_with_another_offset_is_the_same_occurrence(
    database_url: str, clock: FakeClock
) -> None:
    async with crebot(database_url, clock) as c:
        utc = am_alert("contoso", starts="2026-03-14T10:00:00Z")
        tokyo = am_alert("contoso", starts="2026-03-14T19:00:00.000000000+09:00")
        await c.accepted("alertmanager", am_body(utc))
        answer = await c.accepted("alertmanager", am_body(tokyo))
        assert answer["duplicates"] == 1 and len(await c.alerts()) == 1


async def test_later_alerts_attach_to_the_open_incident_and_its_timeline(
    database_url: str, clock: FakeClock
) -> None:
    async with crebot(database_url, clock) as c:
        await c.accepted("alertmanager", am_body(am_alert("contoso", cluster="eu-west-1")))
        [incident] = await c.incidents()
        clock.advance(timedelta(minutes=2))
        later = am_alert(
            "contoso", fingerprint="fp-us", cluster="us-east-1", summary="Logins failing (US)"
        )
        answer = await c.accepted("alertmanager", am_body(later))

        assert answer["incidents"] == {"opened": [], "updated": [incident.id]}
        assert len(await c.incidents()) == 1
        entry = (await c.timeline(incident.id))[-1]
        assert entry.kind == EntryKind.ALERT and entry.at == clock.now()
        assert "Logins failing (US)" in entry.text and entry.data["dedup_key"] == "fp-us"
        assert [op.incident_id for op in await c.ops("room.header")] == [incident.id]


async def test_alerts_resolving_set_the_flag_but_the_incident_stays_open(
    database_url: str, clock: FakeClock
) -> None:
    async with crebot(database_url, clock) as c:
        eu = am_alert("contoso", fingerprint="fp-eu")
        us = am_alert("contoso", fingerprint="fp-us")
        await c.accepted("alertmanager", am_body(eu, us))
        [incident] = await c.incidents()

        clock.advance(timedelta(minutes=20))
        one = await c.accepted("alertmanager", am_body(resolved(eu)))
        assert one["resolved"] == 1 and one["incidents"]["updated"] == [incident.id]
        [flag] = [i.all_alerts_resolved for i in await c.incidents()]
        assert flag is False

        clock.advance(timedelta(minutes=1))
        await c.accepted("alertmanager", am_body(resolved(us, "2026-03-14T10:31:00+00:00")))
        [incident] = await c.incidents()
        assert incident.all_alerts_resolved and incident.status is IncidentStatus.OPEN
        stored = {a.dedup_key: a for a in await c.alerts()}
        assert stored["fp-us"].status.value == "resolved"
        assert stored["fp-us"].ends_at == datetime(2026, 3, 14, 10, 31, tzinfo=UTC)
        assert stored["fp-us"].resolved_at == clock.now()
        kinds = [e.kind for e in await c.timeline(incident.id)]
        assert kinds[-3:] == [
            EntryKind.ALERT_RESOLVED,
            EntryKind.ALERT_RESOLVED,
            EntryKind.ALL_ALERTS_RESOLVED,
        ]

        # The resolve delivered again changes nothing.
        before = await c.counts()
        again = await c.accepted("alertmanager", am_body(resolved(us)))
        assert again["ignored"][0]["reason"] == "already_resolved"
        assert await c.counts() == before

        # A new firing occurrence of the same alert clears the flag on the same incident.
        clock.advance(timedelta(minutes=5))
        refire = am_alert("contoso", fingerprint="fp-eu", starts="2026-03-14T11:00:00Z")
        answer = await c.accepted("alertmanager", am_body(refire))
        assert answer["new"] == 1 and answer["incidents"]["updated"] == [incident.id]
        [incident] = await c.incidents()
        assert not incident.all_alerts_resolved
        assert "firing again" in (await c.timeline(incident.id))[-1].text
        assert len(await c.alerts()) == 3


async def test_a_resolve_that_matches_nothing_changes_nothing(
    database_url: str, clock: FakeClock
) -> None:
    async with crebot(database_url, clock) as c:
        before = await c.counts()
        answer = await c.accepted("alertmanager", am_body(resolved(am_alert("contoso"))))
        assert answer["accepted"] == 1 and answer["resolved"] == 0
        assert answer["ignored"] == [
            {
                "index": 0,
                "reason": "unmatched",
                "message": "resolves nothing crebot saw firing: nothing changed",
            }
        ]
        assert await c.counts() == before


async def test_a_stale_resolve_does_not_close_a_newer_occurrence(
    database_url: str, clock: FakeClock
) -> None:
    async with crebot(database_url, clock) as c:
        newer = am_alert("contoso", starts="2026-03-14T12:00:00Z")
        await c.accepted("alertmanager", am_body(newer))
        # A resolve for an occurrence crebot never saw, which started before this one.
        old = resolved(am_alert("contoso", starts="2026-03-14T09:00:00Z"))
        answer = await c.accepted("alertmanager", am_body(old))
        assert answer["ignored"][0]["reason"] == "unmatched"
        assert [a.status.value for a in await c.alerts()] == ["firing"]


async def test_after_a_person_resolves_the_incident_a_new_alert_opens_a_new_one(
    database_url: str, clock: FakeClock
) -> None:
    async with crebot(database_url, clock) as c:
        await c.accepted("alertmanager", am_body(am_alert("contoso")))
        [first] = await c.incidents()
        async with c.runtime.sessions() as session:
            incident = await service.get(session, first.id)
            await service.acknowledge(session, incident, user="U0ONCALL1", now=clock.now())
            service.move(incident, IncidentStatus.RESOLVED, clock.now(), "U0ONCALL1", session)
            await session.commit()
        clock.advance(timedelta(hours=2))
        again = am_alert("contoso", starts="2026-03-14T13:00:00Z")
        answer = await c.accepted("alertmanager", am_body(again))
        [old, new] = await c.incidents()
        assert answer["incidents"] == {"opened": [new.id], "updated": []}
        assert old.status is IncidentStatus.RESOLVED and new.status is IncidentStatus.OPEN


async def test_pagerduty_events_are_one_occurrence_while_it_is_open(
    database_url: str, clock: FakeClock
) -> None:
    async with crebot(database_url, clock) as c:
        trigger = payload("pagerduty_trigger.json")
        key = trigger["dedup_key"]
        opened = await c.accepted("pagerduty", trigger)
        assert opened["new"] == 1 and len(opened["incidents"]["opened"]) == 1
        [alert] = await c.alerts()
        assert alert.occurrence == OPEN and alert.starts_at is None
        assert alert.received_at == clock.now() and alert.tenant == "contoso"

        clock.advance(timedelta(minutes=5))
        repeat = await c.accepted("pagerduty", trigger)
        assert repeat["duplicates"] == 1 and len(await c.alerts()) == 1

        acknowledge = {**trigger, "event_action": "acknowledge"}
        ack = await c.accepted("pagerduty", acknowledge)
        assert ack["accepted"] == 0 and ack["problems"] == []
        assert ack["ignored"][0]["reason"] == "not_tracked"

        clock.advance(timedelta(minutes=5))
        resolve = payload("pagerduty_resolve.json") | {"dedup_key": key}
        done = await c.accepted("pagerduty", resolve)
        assert done["resolved"] == 1
        [alert] = await c.alerts()
        assert alert.status.value == "resolved" and alert.ends_at == clock.now()
        assert alert.occurrence != OPEN
        [incident] = await c.incidents()
        assert incident.all_alerts_resolved

        unmatched = await c.accepted("pagerduty", resolve)
        assert unmatched["ignored"][0]["reason"] == "unmatched"

        clock.advance(timedelta(minutes=30))
        fired_again = await c.accepted("pagerduty", trigger)
        assert fired_again["new"] == 1 and fired_again["incidents"]["updated"] == [incident.id]
        assert [a.status.value for a in await c.alerts()] == ["resolved", "firing"]


async def test_datadog_triggered_then_recovered(database_url: str, clock: FakeClock) -> None:
    async with crebot(database_url, clock) as c:
        answer = await c.accepted("datadog", payload("datadog_triggered.json"))
        [incident] = await c.incidents()
        assert answer["incidents"]["opened"] == [incident.id]
        # Its monitor name ("Tenant API error rate high") is no playbook alertname.
        assert (incident.tenant_id, incident.signature_id) == ("northwind", "unclassified")
        await c.accepted("datadog", payload("datadog_recovered.json"))
        [alert] = await c.alerts()
        assert alert.status.value == "resolved" and alert.ends_at is not None
        assert (await c.incidents())[0].all_alerts_resolved


async def test_azure_monitor_fired_then_resolved(database_url: str, clock: FakeClock) -> None:
    async with crebot(database_url, clock) as c:
        fired = payload("azure_metric_fired.json")
        await c.accepted("azure-monitor", fired)
        [alert] = await c.alerts()
        assert (
            alert.tenant is not None and alert.dedup_key == fired["data"]["essentials"]["alertId"]
        )
        await c.accepted("azure-monitor", payload("azure_metric_resolved.json"))
        [alert] = await c.alerts()
        assert alert.status.value == "resolved"


async def test_grafana_firing_then_resolved(database_url: str, clock: FakeClock) -> None:
    async with crebot(database_url, clock) as c:
        firing = await c.accepted("grafana", payload("grafana_firing.json"))
        assert firing["new"] >= 1
        answer = await c.accepted("grafana", payload("grafana_resolved.json"))
        assert answer["resolved"] >= 1
        assert any(a.status.value == "resolved" for a in await c.alerts())


async def test_a_batch_with_a_bad_alert_keeps_the_good_ones(
    database_url: str, clock: FakeClock
) -> None:
    async with crebot(database_url, clock) as c:
        body = {
            "alerts": [
                {"id": "a1", "status": "firing", "tenant": "contoso", "labels": {}},
                {"id": "a2", "status": "exploded", "tenant": "contoso"},
                {"id": "a3", "status": "firing", "starts_at": 5},
                {"id": "a4", "status": "firing", "labels": {"tenant": "fabrikam"}},
            ]
        }
        answer = await c.accepted("generic", body)
        assert answer["accepted"] == 2 and answer["new"] == 2
        assert [(p["index"], p["field"]) for p in answer["problems"]] == [
            (1, "alerts[1].status"),
            (2, "alerts[2].starts_at"),
        ]
        assert "RFC 3339" in answer["problems"][1]["message"]
        assert {a.dedup_key for a in await c.alerts()} == {"a1", "a4"}
        assert {i.tenant_id for i in await c.incidents()} == {"contoso", "fabrikam"}


async def test_unicode_long_text_and_missing_optional_fields_are_kept(
    database_url: str, clock: FakeClock
) -> None:
    async with crebot(database_url, clock) as c:
        long = "Ошибки входа 🔐 " + "x" * 5000
        bare = {"status": "firing", "labels": {"alertname": "登录失败", "tenant": "northwind"}}
        body = am_body(
            am_alert("contoso", summary="Échec de connexion — 東京 ✓", description=long), bare
        )
        answer = await c.accepted("alertmanager", body)
        assert answer["new"] == 2 and answer["problems"] == []
        stored = {a.tenant: a for a in await c.alerts()}
        assert stored["contoso"].description == long
        assert stored["contoso"].summary == "Échec de connexion — 東京 ✓"
        assert stored["northwind"].alertname == "登录失败" and stored["northwind"].starts_at is None
        assert stored["northwind"].signature_id == "unclassified"


async def test_metrics_count_alerts_and_incidents(database_url: str, clock: FakeClock) -> None:
    async with crebot(database_url, clock) as c:
        body = am_body(am_alert("contoso"), am_alert(None))
        await c.accepted("alertmanager", body)
        await c.accepted("alertmanager", body)
        text = (await c.http.get("/metrics")).text
        assert (
            'crebot_alerts_received_total{disposition="incident",source="alertmanager"} 1.0' in text
        )
        assert (
            'crebot_alerts_received_total{disposition="untenanted",source="alertmanager"} 1.0'
            in text
        )
        assert (
            'crebot_alerts_received_total{disposition="duplicate",source="alertmanager"} 2.0'
            in text
        )
        assert (
            'crebot_incidents_opened_total{detected_by="monitoring",'
            'signature="identity-login-failures",tenant="contoso"} 1.0'
        ) in text
