"""The blameless postmortem: one Markdown document per incident, from a Jinja2 template.

The default template ships in bot/reports/templates/postmortem.md.j2; an operator replaces it
with `review.postmortem_template` in crebot.yaml (a path, relative to crebot.yaml's folder).
It renders in the same Jinja2 sandbox as the playbooks, except that None prints as "–":
a postmortem is read by colleagues, and an empty field is information there.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import TemplateSyntaxError, UndefinedError
from jinja2.exceptions import SecurityError
from jinja2.exceptions import TemplateError as JinjaError
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config.loader import Domain
from bot.errors import TemplateError, ValidationFailed
from bot.incidents.models import Incident
from bot.outbox.queue import enqueue
from bot.playbooks.templates import make_environment
from bot.reports.postmortem_context import gather

# The outbox operation that renders the postmortem and uploads it to the incident channel.
POSTMORTEM_UPLOAD = "postmortem.upload"

DEFAULT_TEMPLATE = Path(__file__).resolve().parent / "templates" / "postmortem.md.j2"


def _dash_for_none(value: Any) -> Any:
    return "–" if value is None else value


@functools.cache
def _environment() -> SandboxedEnvironment:
    env = make_environment()
    env.finalize = _dash_for_none
    return env


def template_path(domain: Domain) -> Path:
    configured = domain.config.review.postmortem_template
    if configured is None:
        return DEFAULT_TEMPLATE
    path = Path(configured).expanduser()
    return path if path.is_absolute() else domain.config_path.parent / path


def load_template(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TemplateError(
            f"cannot read the postmortem template {path}: {exc.strerror or exc}"
        ) from None


def render_template(source: str, context: Mapping[str, Any], *, name: str = "template") -> str:
    try:
        template = _environment().from_string(source)
    except TemplateSyntaxError as exc:
        raise TemplateError(f"{name}: line {exc.lineno}: {exc.message}") from None
    try:
        return template.render(context).strip() + "\n"
    except SecurityError as exc:
        raise TemplateError(f"{name}: not allowed in a template: {exc}") from None
    except UndefinedError as exc:
        raise TemplateError(
            f"{name}: undefined: {exc.message} (the template can use: {', '.join(context)})"
        ) from None
    except (JinjaError, ArithmeticError, LookupError, TypeError, ValueError) as exc:
        raise TemplateError(f"{name}: the template failed: {exc}") from None


async def render_postmortem(
    session: AsyncSession, domain: Domain, incident_id: int, now: datetime
) -> str:
    """The incident's postmortem as Markdown (raises NotFound, TemplateError)."""
    context = await gather(session, domain, incident_id, now)
    path = template_path(domain)
    return render_template(load_template(path), context, name=str(path))


def filename(incident_id: int, tenant_id: str | None = None) -> str:
    tenant = f"-{tenant_id}" if tenant_id else ""
    return f"postmortem-incident-{incident_id}{tenant}.md"


async def request_upload(
    session: AsyncSession, incident: Incident, *, user: str, now: datetime
) -> None:
    """Queue the postmortem for the incident channel; it renders when the upload runs, so it
    shows the incident as it is then."""
    if incident.channel_id is None:
        raise ValidationFailed(
            f"incident #{incident.id} has no channel yet; the postmortem is at "
            f"GET /api/incidents/{incident.id}/postmortem"
        )
    await enqueue(
        session, POSTMORTEM_UPLOAD, now=now, incident_id=incident.id, payload={"user": user}
    )
