"""Decoding a delivery: media types, broken bodies, unknown sources, batch limits."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from bot.errors import NotFound, PayloadError, UnsupportedMediaType
from bot.ingest.adapters import ADAPTERS, Adapter
from bot.ingest.adapters.validation import parse_each
from bot.ingest.alert import Alert, AlertStatus, ParsedBatch
from bot.ingest.body import decode_body, media_type
from bot.ingest.parse import parse_delivery

GOOD = b'{"alerts": [{"id": "a-1", "status": "firing"}]}'


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON",
        "text/plain; charset=UTF-8",  # how SNS-style senders label JSON
        "text/json",
        "application/vnd.crebot+json",
        "application/octet-stream",
        None,
        "",
        "application/x-www-form-urlencoded",  # curl -d without -H sends this around JSON
    ],
)
def test_json_is_read_whatever_the_sender_calls_it(content_type: str | None) -> None:
    batch = parse_delivery("generic", GOOD, content_type)
    assert [a.dedup_key for a in batch.alerts] == ["a-1"]
    assert batch.problems == []


@pytest.mark.parametrize(
    "content_type",
    [
        "application/xml",
        "text/xml; charset=utf-8",
        "multipart/form-data; boundary=xyz",
        "text/html",
        "image/png",
        "application/yaml",
    ],
)
def test_media_types_no_tool_sends_are_415(content_type: str) -> None:
    with pytest.raises(UnsupportedMediaType) as info:
        parse_delivery("alertmanager", b"<alerts><alert/></alerts>", content_type)
    assert info.value.field == "Content-Type"
    assert media_type(content_type) in info.value.message


def test_xml_body_is_refused_before_it_is_read() -> None:
    body = b'<?xml version="1.0"?><alert status="firing"/>'
    with pytest.raises(UnsupportedMediaType):
        parse_delivery("azure-monitor", body, "application/xml")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"", "empty body"),
        (b"  \n\t ", "empty body"),
        (b'{"alerts": [{"id": "a-1", "status": "fir', "ends early"),
        (b'{"alerts": [}', "(line 1, column 13)"),
        (b'{"alerts": "\xff\xfe"}', "not UTF-8 text (byte 0xff at offset 12)"),
        (b"[1, 2]", "must be a JSON object, not a list"),
        (b'"firing"', "must be a JSON object, not str"),
        (b"null", "must be a JSON object"),
        (b'{"alerts": [], "x": NaN}', "NaN is not a JSON value"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
)
def test_unreadable_bodies_are_payload_errors_on_body(body: bytes, words: str) -> None:
    with pytest.raises(PayloadError) as info:
        parse_delivery("generic", body, "application/json")
    assert type(info.value) is PayloadError
    assert info.value.field == "body"
    assert words in info.value.message


def test_a_byte_order_mark_is_tolerated() -> None:
    batch = parse_delivery("generic", b"\xef\xbb\xbf" + GOOD, "application/json")
    assert batch.alerts[0].dedup_key == "a-1"


def test_unknown_source_is_not_found() -> None:
    with pytest.raises(NotFound) as info:
        parse_delivery("nagios", GOOD, "application/json")
    assert "nagios" in str(info.value)
    assert "alertmanager" in str(info.value)


def test_form_fields_are_read_for_datadog_only() -> None:
    fields = {"alert_id": "148392071", "alert_transition": "Triggered", "tags": "tenant:acme"}
    body = urlencode(fields).encode()
    batch = parse_delivery("datadog", body, "application/x-www-form-urlencoded")
    assert batch.alerts[0].tenant == "acme"
    assert batch.alerts[0].dedup_key == "148392071"
    with pytest.raises(UnsupportedMediaType):
        parse_delivery("alertmanager", body, "application/x-www-form-urlencoded")


def test_decode_body_returns_the_object() -> None:
    assert decode_body(b'{"a": {"b": [1]}}', None) == {"a": {"b": [1]}}


@pytest.mark.parametrize("source", ["generic", "alertmanager", "grafana"])
def test_a_batch_over_max_alerts_is_refused(source: str) -> None:
    alerts = [
        {"id": f"a-{i}", "fingerprint": f"{i:016x}", "status": "firing", "labels": {"n": str(i)}}
        for i in range(4)
    ]
    body = json.dumps({"alerts": alerts}).encode()
    assert len(parse_delivery(source, body, None, max_alerts=4).alerts) == 4
    with pytest.raises(PayloadError) as info:
        parse_delivery(source, body, None, max_alerts=3)
    assert info.value.field == "alerts"
    assert "at most 3" in info.value.message


def test_an_adapter_bug_is_a_422_and_a_logged_traceback(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(payload: dict[str, object], max_alerts: int) -> ParsedBatch:
        raise KeyError("essentials")

    monkeypatch.setitem(ADAPTERS, "broken", Adapter("broken", broken))
    with pytest.raises(PayloadError) as info:
        parse_delivery("broken", GOOD, "application/json")
    assert (info.value.field, info.value.message) == ("body", "the broken body could not be read")
    assert "KeyError" in caplog.text


def test_a_batch_item_bug_is_a_problem_for_that_item_only() -> None:
    def convert(item: object) -> Alert:
        if item == "bad":
            raise TypeError("unexpected")
        return Alert("generic", str(item), AlertStatus.FIRING, None, {}, "", "", None, None)

    batch = parse_each(["a", "bad", "c"], convert)
    assert [a.dedup_key for a in batch.alerts] == ["a", "c"]
    assert [(p.index, p.field) for p in batch.problems] == [(1, "alerts[1]")]
