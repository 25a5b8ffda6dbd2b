"""`GET /api/incidents/{id}/postmortem` (Markdown) and `GET /api/report` (Bearer
CREBOT_API_TOKEN)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from bot.clock import utc
from bot.config.domain import parse_duration
from bot.errors import NotFound, TemplateError, ValidationFailed
from bot.http.auth import check_token
from bot.reports import FORMATS, Period, generate, postmortem, render

if TYPE_CHECKING:
    from bot.runtime import Runtime

router = APIRouter(prefix="/api", tags=["reports"])

MEDIA_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
}


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    check_token(request, runtime.settings.api_token, allow_query=False, what="API calls")
    return runtime


@router.get("/incidents/{incident_id}/postmortem", response_class=Response)
async def get_postmortem(request: Request, incident_id: str) -> Response:
    """The incident's blameless postmortem as Markdown, rendered now."""
    runtime = _runtime(request)
    if not incident_id.isdigit() or len(incident_id) > 18:
        raise NotFound(f"there is no incident {incident_id[:40]!r}")
    async with runtime.sessions() as session:
        try:
            markdown = await postmortem.render_postmortem(
                session, runtime.domain, int(incident_id), runtime.clock.now()
            )
        except TemplateError as exc:
            # The operator's template is broken: a server-side problem, said plainly.
            return JSONResponse(
                {"error": "postmortem_template", "message": str(exc)}, status_code=500
            )
    name = postmortem.filename(int(incident_id))
    return Response(
        markdown,
        media_type=MEDIA_TYPES["md"],
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )


def parse_until(value: str | None, now: datetime) -> datetime:
    if not value:
        return now
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationFailed("not an RFC 3339 time or a date", field="until") from None
    if parsed.tzinfo is None:
        raise ValidationFailed("give a time zone (2026-02-01T00:00:00Z)", field="until")
    return utc(parsed)


@router.get("/report", response_class=Response)
async def get_report(
    request: Request,
    since: str = "30d",
    until: str | None = None,
    tenant: str | None = None,
    format: str = "json",
) -> Response:
    """The reliability report over the `since` before `until` (default now)."""
    runtime = _runtime(request)
    if format not in FORMATS:
        raise ValidationFailed(f"use one of {', '.join(FORMATS)}", field="format")
    try:
        length = parse_duration(since)
    except ValueError as exc:
        raise ValidationFailed(str(exc), field="since") from None
    now = runtime.clock.now()
    period = Period.ending(parse_until(until, now), length)
    async with runtime.sessions() as session:
        report = await generate(session, period, now, tenant)
    return Response(render(report, format), media_type=MEDIA_TYPES[format])
