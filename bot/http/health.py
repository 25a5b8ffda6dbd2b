from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

router = APIRouter()


@router.get("/healthz", include_in_schema=False)
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", include_in_schema=False)
async def readyz(request: Request) -> Response:
    runtime = request.app.state.runtime
    try:
        async with runtime.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to reach the database means "not ready"
        return JSONResponse(
            {"status": "unavailable", "database": type(exc).__name__}, status_code=503
        )
    return JSONResponse(
        {
            "status": "ready",
            "database": runtime.engine.dialect.name,
            "slack": "configured" if runtime.bolt is not None else "not configured",
            "config": "sample" if runtime.domain.is_sample else str(runtime.domain.config_path),
        }
    )


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    app_metrics = request.app.state.runtime.metrics
    await app_metrics.refresh()  # figures that come from the database (bot/reports/collector.py)
    return Response(generate_latest(app_metrics.registry), media_type=CONTENT_TYPE_LATEST)
