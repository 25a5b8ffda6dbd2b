"""The JSON API's read side: incidents and key tenants (CONTRACT.md, HTTP)."""

from __future__ import annotations

from bot.features import Feature


def feature() -> Feature:
    from bot.api.routes import router

    return Feature("api", routers=(router,))
