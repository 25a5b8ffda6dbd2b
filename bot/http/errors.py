"""Error answers: crebot's own errors become clear 4xx JSON, never a stack trace."""

from __future__ import annotations

import logging
import uuid

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from bot.errors import (
    ConfigError,
    IllegalTransition,
    NotAllowed,
    NotFound,
    PayloadError,
    UnsupportedMediaType,
    ValidationFailed,
)

log = logging.getLogger(__name__)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(UnsupportedMediaType)
    async def _unsupported(_: Request, exc: UnsupportedMediaType) -> JSONResponse:
        return JSONResponse(
            {"error": "unsupported_media_type", "message": exc.message}, status_code=415
        )

    @app.exception_handler(PayloadError)
    async def _payload(_: Request, exc: PayloadError) -> JSONResponse:
        return JSONResponse(
            {
                "error": "invalid_payload",
                "message": exc.message,
                "field": exc.field,
                "index": exc.index,
            },
            status_code=422,
        )

    @app.exception_handler(ValidationFailed)
    async def _invalid(_: Request, exc: ValidationFailed) -> JSONResponse:
        return JSONResponse(
            {"error": "invalid", "message": exc.message, "field": exc.field}, status_code=422
        )

    @app.exception_handler(RequestValidationError)
    async def _request_invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()
        ]
        return JSONResponse({"error": "invalid", "problems": problems}, status_code=422)

    @app.exception_handler(NotFound)
    async def _not_found(_: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"error": "not_found", "message": str(exc)}, status_code=404)

    @app.exception_handler(NotAllowed)
    async def _not_allowed(_: Request, exc: NotAllowed) -> JSONResponse:
        return JSONResponse({"error": "forbidden", "message": str(exc)}, status_code=403)

    @app.exception_handler(IllegalTransition)
    async def _conflict(_: Request, exc: IllegalTransition) -> JSONResponse:
        return JSONResponse({"error": "conflict", "message": str(exc)}, status_code=409)

    @app.exception_handler(ConfigError)
    async def _config(_: Request, exc: ConfigError) -> JSONResponse:
        return JSONResponse(
            {"error": "invalid_config", "problems": [str(p) for p in exc.problems]}, status_code=422
        )

    @app.exception_handler(Exception)
    async def _bug(_: Request, exc: Exception) -> JSONResponse:
        error_id = uuid.uuid4().hex[:8]
        log.error("unhandled error %s", error_id, exc_info=exc)
        return JSONResponse({"error": "internal", "error_id": error_id}, status_code=500)
