"""Decoding a webhook delivery's bytes into a JSON object, whatever the sender called it.

Senders label JSON loosely (WEBHOOK_NOTES.md): SNS-style senders say `text/plain`, curl says
`application/x-www-form-urlencoded` unless told otherwise, Datadog's "Encode as form" really
sends form fields, and hand-written scripts send no Content-Type at all. So the rule is an
allowlist: JSON-ish types (and none) are read as JSON, a form body as JSON when it is one and
as form fields where the tool can send them, and any other media type (XML, multipart, HTML,
...) is refused with 415, since no supported tool sends it.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from bot.errors import PayloadError, UnsupportedMediaType

_JSON_TYPES = {"application/json", "text/json", "text/plain", "application/octet-stream"}
_FORM = "application/x-www-form-urlencoded"
_MAX_FORM_FIELDS = 1000


def media_type(content_type: str | None) -> str:
    """`Application/JSON; charset=utf-8` -> `application/json`; '' when absent."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _text(body: bytes) -> str:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PayloadError(
            f"not UTF-8 text (byte 0x{body[exc.start]:02x} at offset {exc.start})", field="body"
        ) from None
    text = text.removeprefix("\ufeff")  # a BOM is legal noise, not content
    if not text.strip():
        raise PayloadError("empty body; expected a JSON object", field="body")
    return text


def _json(text: str) -> Any:
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        # A cut-off body fails at its very end, or inside a string that never closes.
        if exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string"):
            raise PayloadError("not valid JSON: it ends early (truncated?)", field="body") from None
        raise PayloadError(
            f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", field="body"
        ) from None
    except RecursionError:
        raise PayloadError("not valid JSON: nested too deeply", field="body") from None
    except ValueError as exc:  # NaN/Infinity, or an integer literal too long to convert
        raise PayloadError(f"not valid JSON: {exc}", field="body") from None


def _form(text: str) -> dict[str, Any]:
    try:
        fields = parse_qsl(
            text.strip(), keep_blank_values=True, errors="strict", max_num_fields=_MAX_FORM_FIELDS
        )
    except UnicodeDecodeError:
        raise PayloadError("form field values are not UTF-8", field="body") from None
    except ValueError:
        raise PayloadError(f"more than {_MAX_FORM_FIELDS} form fields", field="body") from None
    if not fields:
        raise PayloadError("no form fields in the body", field="body")
    return dict(fields)


def decode_body(
    body: bytes, content_type: str | None, *, form_encoded: bool = False
) -> dict[str, Any]:
    """The delivery as a JSON object (dict). `form_encoded` says the source may send form
    fields (Datadog); elsewhere a form content type is accepted only around a JSON body.

    Raises UnsupportedMediaType (415) for media types no supported tool sends, and
    PayloadError (field `body`) for an empty, non-UTF-8 or unparseable body, or one whose JSON
    is not an object. The size limit is the route's business.
    """
    kind = media_type(content_type)
    is_json_type = kind in _JSON_TYPES or kind == "" or kind.endswith("+json")
    if not is_json_type and kind != _FORM:
        raise UnsupportedMediaType(
            f"media type {kind!r} is not accepted; send JSON (application/json)",
            field="Content-Type",
        )
    text = _text(body)
    if kind == _FORM and not text.lstrip().startswith(("{", "[")):
        if not form_encoded:
            raise UnsupportedMediaType(
                "form-encoded fields are not accepted from this source; send JSON "
                "(application/json)",
                field="Content-Type",
            )
        return _form(text)
    value = _json(text)
    if not isinstance(value, dict):
        kind_of = "a list" if isinstance(value, list) else type(value).__name__
        raise PayloadError(f"must be a JSON object, not {kind_of}", field="body")
    return value
