"""From pydantic's errors to crebot's: a field path and a sentence a tool's operator can act on.

Two outcomes, because most senders drop a delivery after a 4xx: a problem with the body as a
whole raises PayloadError (422), while a problem with one alert of a batch becomes an
AlertProblem and the rest of the batch is still accepted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from bot.errors import PayloadError
from bot.ingest.alert import Alert, AlertProblem, ParsedBatch

M = TypeVar("M", bound=BaseModel)


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def field_path(loc: Sequence[int | str], prefix: str = "") -> str:
    """`("alerts", 3, "startsAt")` -> `alerts[3].startsAt`."""
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _sentence(error: ErrorDetails) -> str:
    kind, value = error["type"], error.get("input")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "required"
    if kind == "string_type":
        return f"must be a string, not {json_type(value)}"
    if kind == "list_type":
        return f"must be a list, not {json_type(value)}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"must be an object, not {json_type(value)}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"must be an integer, not {json_type(value)}"
    if kind == "literal_error":
        return f"must be {ctx.get('expected', 'one of the documented values')}, not {_shown(value)}"
    if kind == "string_too_short":
        return "must not be empty"
    # Our own validators (times, say) already speak in crebot's voice.
    return error["msg"]


def describe(exc: ValidationError, prefix: str = "") -> tuple[str, str]:
    """The first error's field path and a message; further errors are named in the message."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    message = _sentence(first)
    others = [f"{field_path(e['loc'], prefix) or 'body'}: {_sentence(e)}" for e in errors[1:4]]
    if others:
        more = f" and {len(errors) - 4} more" if len(errors) > 4 else ""
        message += f" (also {'; '.join(others)}{more})"
    return field_path(first["loc"], prefix) or prefix or "body", message


def read_model(model: type[M], data: Any, prefix: str = "") -> M:
    """Validate a whole body (or the part under `prefix`); any problem is a PayloadError."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        field, message = describe(exc, prefix)
        raise PayloadError(message, field=field) from None


def check_batch_size(count: int, max_alerts: int, field: str = "alerts") -> None:
    if count > max_alerts:
        raise PayloadError(
            f"{count} alerts in one delivery; crebot accepts at most {max_alerts}", field=field
        )


def parse_each(
    items: Sequence[Any], convert: Callable[[Any], Alert], field: str = "alerts"
) -> ParsedBatch:
    """Convert every item of a batch; a bad item becomes a problem, the others still count."""
    batch = ParsedBatch()
    for index, item in enumerate(items):
        where = f"{field}[{index}]"
        try:
            batch.alerts.append(convert(item))
        except ValidationError as exc:
            path, message = describe(exc, where)
            batch.problems.append(AlertProblem(index, path, message))
        except PayloadError as exc:
            path = field_path([exc.field], where) if exc.field else where
            batch.problems.append(AlertProblem(index, path, exc.message))
        except (KeyError, TypeError, ValueError) as exc:
            # A shape no model foresaw. It must not become a 500: Azure drops an alert after
            # a 500 and Alertmanager would retry the whole group until its deadline.
            batch.problems.append(AlertProblem(index, where, f"could not be read: {exc!r}"))
    return batch
