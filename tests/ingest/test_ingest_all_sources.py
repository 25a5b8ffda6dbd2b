"""Properties every source must have: decoding, unicode, long text, UTC, no stray exceptions."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest

from bot.errors import PayloadError, UnsupportedMediaType
from bot.ingest.alert import Alert, ParsedBatch
from bot.ingest.parse import parse_delivery

Load = Callable[[str], dict[str, Any]]
Deliver = Callable[..., ParsedBatch]
PAYLOADS = Path(__file__).parent / "payloads"

# A firing delivery per source, and the dedup key of its first alert.
FIRING = {
    "alertmanager": ("alertmanager_firing_group.json", "5d0a8c3e7f1b2a94"),
    "grafana": ("grafana_firing.json", "8b3f0c6a1d2e4f57"),
    "azure-monitor": (
        "azure_metric_fired.json",
        "/subscriptions/11111111-2222-3333-4444-555555555555/providers/"
        "Microsoft.AlertsManagement/alerts/7c1e5a90-3b2d-4f6e-9a8b-0c1d2e3f4a5b",
    ),
    "datadog": ("datadog_triggered.json", "148392071:env:prod,tenant:northwind"),
    "pagerduty": (
        "pagerduty_trigger.json",
        "3f79bb7b435b05321651daefd374cdc681dc06faa65e374e38337b88ca046dea",
    ),
    "generic": ("generic_batch.json", "synthetic-login-contoso"),
}
SOURCE_OF = {"azure": "azure-monitor"}


def source_of(fixture: str) -> str:
    prefix = fixture.split("_", 1)[0]
    return SOURCE_OF.get(prefix, prefix)


ALL_FIXTURES = sorted(path.name for path in PAYLOADS.glob("*.json"))


def raw_bytes(name: str) -> bytes:
    return (PAYLOADS / name).read_bytes()


@pytest.mark.parametrize("source", sorted(FIRING))
def test_json_sent_as_text_plain_is_read(source: str) -> None:
    name, first_key = FIRING[source]
    batch = parse_delivery(source, raw_bytes(name), "text/plain; charset=UTF-8")
    assert batch.alerts[0].dedup_key == first_key
    assert batch.alerts[0].source == source


@pytest.mark.parametrize("source", sorted(FIRING))
def test_xml_is_unsupported(source: str) -> None:
    with pytest.raises(UnsupportedMediaType):
        parse_delivery(source, b"<alert><status>firing</status></alert>", "application/xml")


@pytest.mark.parametrize("source", sorted(FIRING))
def test_an_empty_body_is_refused(source: str) -> None:
    with pytest.raises(PayloadError) as info:
        parse_delivery(source, b"", "application/json")
    assert (info.value.field, info.value.message) == ("body", "empty body; expected a JSON object")


@pytest.mark.parametrize("source", sorted(FIRING))
def test_a_truncated_body_is_refused(source: str) -> None:
    body = raw_bytes(FIRING[source][0])
    with pytest.raises(PayloadError) as info:
        parse_delivery(source, body[: len(body) // 2], "application/json")
    assert info.value.field == "body"
    assert "not valid JSON" in info.value.message


TENANT = "  Zürich-Straße 東京 🚀 "
SUMMARY = "Überlast – 東京 🔥 ‹ok›"
REGION = "Île-de-France 🌍"
DESCRIPTION = ("Ünïcödé 🚨 <b>line</b> & more\n" * 200)[:4999] + "✓"


def _inject(source: str, payload: dict[str, Any]) -> None:
    """Put the unicode tenant, summary, label and long description where each tool has them."""
    if source in ("alertmanager", "grafana"):
        alert = payload["alerts"][0]
        alert["labels"].update(tenant=TENANT, région=REGION)
        alert["annotations"].update(summary=SUMMARY, description=DESCRIPTION)
    elif source == "azure-monitor":
        payload["data"]["customProperties"] = {"tenant": TENANT, "région": REGION}
        payload["data"]["essentials"].update(alertRule=SUMMARY, description=DESCRIPTION)
    elif source == "datadog":
        payload.update(
            alert_scope=f"tenant:{TENANT}",
            alert_title=f"[P1] [Triggered on {{tenant:{TENANT.strip()}}}] {SUMMARY}",
            tags=f"région:{REGION}",
            body=f"%%%\n{DESCRIPTION}\n%%%",
        )
    elif source == "pagerduty":
        payload["payload"]["summary"] = SUMMARY
        payload["payload"]["custom_details"] = {"tenant": TENANT, "région": REGION}
        payload["payload"]["custom_details"]["details"] = DESCRIPTION
    else:
        alert = payload["alerts"][0]
        alert.update(tenant=TENANT, summary=SUMMARY, description=DESCRIPTION)
        alert["labels"]["région"] = REGION


@pytest.mark.parametrize("source", sorted(FIRING))
def test_unicode_and_a_long_description_survive(source: str, load: Load, deliver: Deliver) -> None:
    payload = load(FIRING[source][0])
    _inject(source, payload)
    alert = deliver(source, payload).alerts[0]
    assert alert.tenant == "Zürich-Straße 東京 🚀"
    assert alert.summary == SUMMARY
    assert alert.labels["région"] == REGION
    assert len(DESCRIPTION) == 5000
    if source == "pagerduty":  # custom_details rendered as `key: value` lines
        assert alert.description.endswith("details:\n" + DESCRIPTION)
    else:
        assert alert.description == DESCRIPTION


def _check_alert(alert: Alert) -> None:
    assert isinstance(alert.dedup_key, str) and 0 < len(alert.dedup_key) <= 255
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in alert.labels.items())
    assert all(v.startswith(("http://", "https://")) for v in alert.links.values())
    assert alert.tenant is None or (alert.tenant == alert.tenant.strip() and alert.tenant)
    assert isinstance(alert.summary, str) and isinstance(alert.description, str)
    assert isinstance(alert.raw, dict)
    for moment in (alert.starts_at, alert.ends_at):
        assert moment is None or moment.tzinfo is UTC


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_every_stored_payload_reads_cleanly_or_is_refused(name: str) -> None:
    try:
        batch = parse_delivery(source_of(name), raw_bytes(name), "application/json")
    except PayloadError:
        assert name in ("azure_legacy_metric.json", "datadog_default.json")
        return
    for alert in batch.alerts:
        _check_alert(alert)
    assert batch.alerts or batch.problems


REPLACEMENTS: list[Any] = [None, 0, -1.5, True, "", "x", [], {}, [{}], "0001-01-01T00:00:00Z"]


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if path:
        yield path
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, (*path, index))


def _replaced(payload: dict[str, Any], path: tuple[Any, ...], new: Any) -> dict[str, Any]:
    copied = copy.deepcopy(payload)
    parent: Any = copied
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = new
    return copied


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_no_other_exception_escapes_for_any_wrong_value(name: str, load: Load) -> None:
    """Every value of every stored payload, replaced by every JSON type: the adapter
    answers with alerts, problems or a PayloadError, never anything else (a 500)."""
    source, payload = source_of(name), load(name)
    for path in _paths(payload):
        for new in REPLACEMENTS:
            body = json.dumps(_replaced(payload, path, new)).encode()
            try:
                batch = parse_delivery(source, body, "application/json")
            except PayloadError as exc:
                assert exc.message and exc.field, (path, new)
                continue
            for alert in batch.alerts:
                _check_alert(alert)
            for problem in batch.problems:
                assert problem.field and problem.message, (path, new)
