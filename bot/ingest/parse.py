"""The one entry point the webhook route calls: bytes and a source name in, alerts out."""

from __future__ import annotations

import logging

from pydantic import ValidationError

from bot.errors import NotFound, PayloadError
from bot.ingest.adapters import ADAPTERS
from bot.ingest.adapters.validation import describe
from bot.ingest.alert import ParsedBatch
from bot.ingest.body import decode_body

DEFAULT_MAX_ALERTS = 1000

log = logging.getLogger(__name__)


def parse_delivery(
    source: str, body: bytes, content_type: str | None, *, max_alerts: int = DEFAULT_MAX_ALERTS
) -> ParsedBatch:
    """Decode and read one webhook delivery from `source` (the `/webhooks/{source}` path part).

    Raises NotFound for an unknown source, UnsupportedMediaType (415) for a media type the
    source never sends, and PayloadError (422, naming the field) for a body that cannot be
    read as a whole, including a batch of more than `max_alerts` alerts. A bad alert inside a
    readable batch is not an error: it comes back in `ParsedBatch.problems` next to the good
    alerts. No other exception escapes for any input.
    """
    adapter = ADAPTERS.get(source)
    if adapter is None:
        known = ", ".join(sorted(ADAPTERS))
        raise NotFound(f"unknown webhook source {source!r}; crebot knows {known}")
    if max_alerts < 1:
        raise ValueError("max_alerts must be at least 1")
    payload = decode_body(body, content_type, form_encoded=adapter.form_encoded)
    try:
        return adapter.parse(payload, max_alerts)
    except ValidationError as exc:
        field, message = describe(exc)
        raise PayloadError(message, field=field) from None
    except (KeyError, TypeError, ValueError, AttributeError):
        # A shape the adapter did not foresee: a bug to fix, but still not a 500, because
        # Azure drops an alert after a 500 and Alertmanager retries the group until its
        # deadline. The traceback goes to the log so the bug is seen.
        log.exception("the %s adapter failed on a delivery", source)
        raise PayloadError(f"the {source} body could not be read", field="body") from None
