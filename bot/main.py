"""The app factory: one FastAPI app with the Bolt app, the outbox worker and the scheduler."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from bot import migrate as migrations
from bot.clock import Clock, SystemClock
from bot.config.holder import DomainHolder
from bot.config.settings import Settings
from bot.db import create_engine_for, make_sessionmaker
from bot.errors import ConfigError
from bot.features import Feature, all_features
from bot.http.errors import install_error_handlers
from bot.http.health import router as health_router
from bot.metrics import Metrics
from bot.outbox.worker import Handler, OutboxWorker
from bot.runtime import Runtime
from bot.slack.app import build_bolt_app
from bot.slack.client import make_client
from bot.slack.errors import classify
from bot.slack.http import handle_slack_request
from bot.tenants.service import sync_tenants

log = logging.getLogger(__name__)


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    migrate: bool = True,
    background: bool = True,
    features: list[Feature] | None = None,
    allow_sample: bool = True,
    reload_on_sighup: bool = False,
) -> FastAPI:
    """Build the service. Nothing is connected until the app's lifespan starts.

    `background=False` leaves the outbox worker and the scheduler stopped, so tests run
    them step by step with a fake clock (`runtime.outbox.drain()`).
    """
    clock = clock or SystemClock()
    features = all_features() if features is None else features

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = await _start(settings, clock, migrate, features, allow_sample)
        app.state.runtime = runtime
        tasks: list[asyncio.Task[Any]] = []
        socket_handler: Any = None
        if background:
            if runtime.bolt is not None:
                tasks.append(asyncio.create_task(runtime.outbox.run_forever(), name="outbox"))
            else:
                log.warning(
                    "Slack is not configured (SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET "
                    "or SLACK_APP_TOKEN): Slack work is queued in the database and "
                    "will be sent once Slack is configured."
                )
            if runtime.bolt is not None and settings.slack_app_token is not None:
                socket_handler = await _start_socket_mode(runtime)
        if reload_on_sighup:
            _reload_on_sighup(runtime)
        # on_start hooks start background work (the clock scheduler) only when asked to.
        runtime.extras["background"] = background
        for feature in features:
            for hook in feature.on_start:
                result = hook(runtime)
                if asyncio.iscoroutine(result):
                    await result
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            stop = runtime.extras.get("on_stop", [])
            for hook in stop:
                result = hook()
                if asyncio.iscoroutine(result):
                    await result
            if socket_handler is not None:
                await socket_handler.close_async()
            await runtime.engine.dispose()

    app = FastAPI(
        title="crebot",
        lifespan=lifespan,
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
    )
    install_error_handlers(app)
    app.include_router(health_router)
    for feature in features:
        for router in feature.routers:
            app.include_router(router)

    @app.post("/slack/events", include_in_schema=False)
    async def slack_events(request: Request) -> Response:
        runtime: Runtime = request.app.state.runtime
        if runtime.bolt is None or settings.slack_signing_secret is None:
            return JSONResponse(
                {"error": "Slack is not configured on this crebot"}, status_code=503
            )
        return await handle_slack_request(runtime.bolt, request)

    return app


async def _start(
    settings: Settings,
    clock: Clock,
    migrate: bool,
    features: list[Feature],
    allow_sample: bool,
) -> Runtime:
    if migrate:
        # Alembic is synchronous; keep the event loop free while it runs.
        await asyncio.to_thread(migrations.upgrade, settings.database_url)
    holder = DomainHolder(settings.config_path, settings.playbooks_dir, allow_sample=allow_sample)
    domain = holder.load()
    engine = create_engine_for(settings.database_url)
    sessions = make_sessionmaker(engine)
    async with sessions() as session:
        await sync_tenants(session, domain.config, clock.now())
        await session.commit()
    metrics = Metrics()
    metrics.config_generation.set(holder.generation)
    handlers: dict[str, Handler] = {}
    runtime = Runtime(
        settings=settings,
        clock=clock,
        engine=engine,
        sessions=sessions,
        domain_holder=holder,
        metrics=metrics,
        outbox=OutboxWorker(sessions, handlers, clock, classify=classify),
    )
    runtime.outbox.on_dead = lambda op, _reason: metrics.outbox_dead.labels(op.kind).inc()
    if settings.slack_configured:
        runtime.slack_client = make_client(settings, wait_on_rate_limit=False)
        setups = [f.slack for f in features if f.slack is not None]
        runtime.bolt = build_bolt_app(runtime, setups)
    for feature in features:
        if feature.outbox is not None:
            handlers.update(feature.outbox(runtime))
    return runtime


def _reload_on_sighup(runtime: Runtime) -> None:
    """SIGHUP applies an edited crebot.yaml; an invalid one is refused and logged."""
    from bot.http.admin import apply_reload

    async def reload() -> None:
        try:
            await apply_reload(runtime)
        except ConfigError:
            pass  # the holder logged every problem; the running configuration stays

    loop = asyncio.get_running_loop()
    if hasattr(signal, "SIGHUP"):
        loop.add_signal_handler(
            signal.SIGHUP,
            lambda: runtime.extras.setdefault("reloads", []).append(loop.create_task(reload())),
        )


async def _start_socket_mode(runtime: Runtime) -> Any:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    assert runtime.bolt is not None and runtime.settings.slack_app_token is not None
    handler = AsyncSocketModeHandler(
        runtime.bolt, runtime.settings.slack_app_token.get_secret_value()
    )
    await handler.connect_async()
    log.info("connected to Slack through Socket Mode")
    return handler
