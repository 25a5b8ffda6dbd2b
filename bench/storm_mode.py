"""Storm mode under a platform-wide failure: 1,000 alerts for 300 key tenants, one signature.

    python bench/storm_mode.py                     # temporary SQLite file
    python bench/storm_mode.py --database-url postgresql://postgres@127.0.0.1:55432/crebot_bench

Builds crebot's real app (the same factory `crebot serve` runs, migrations, outbox worker and
scheduler in the background, real time) with a generated crebot.yaml of 300 key tenants and
`storm: {tenants: 5, window: 5m}`, wired to the Slack fake with Slack's rate-limit tiers on
(tests/fakes/slack). The alerts go in as `generic` webhooks over HTTP, reaching the app
through its ASGI interface (httpx.ASGITransport: the full request path, no socket), 50
deliveries of 20 alerts, 8 at a time. It prints the Slack calls by method (and how many
Slack refused with 429), the time until the platform channel existed, the time until every
tenant incident was linked, and checks: one channel, 300 linked tenant incidents, one header,
nothing doubled.

The database named by --database-url is emptied (DROP SCHEMA public CASCADE) and reused.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).resolve()
REPO = SCRIPT.parents[1]
sys.path.insert(0, str(REPO))  # run from a checkout

TENANTS = 300
ALERTS = 1000
BATCH = 20
CONCURRENCY = 8
TOKEN = "bench-webhook-token"
ALERTNAME = "TenantLoginSuccessRateLow"  # the identity-login-failures playbook
# The shipped playbooks name these owners; the benchmark only fires identity's signature.
OTHER_TEAMS = ["api-platform", "data-platform", "policy", "endpoint", "edge", "product"]


def write_config(folder: Path) -> Path:
    lines = [
        "response: {slo: 15m, reminders: [5m, 10m], escalation: "
        "[{after: 0m, notify: [S0CREONCALL2]}]}",
        "storm: {tenants: 5, window: 5m}",
        "channels: {private: true}",
        "oncall: [S0CREONCALL1]",
        "approvers: [S0CRELEADS]",
        "teams:",
        "  identity: {members: [S0IDENTITY], channel: C0IDENTITY}",
        *(f"  {team}: {{members: [S0CREONCALL1]}}" for team in OTHER_TEAMS),
        "tenants:",
    ]
    for n in range(TENANTS):
        lines.append(f"  - {{id: t{n:03d}, name: Tenant {n:03d}, tier: strategic}}")
    path = folder / "crebot.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def deliveries() -> list[dict[str, Any]]:
    """1,000 distinct alerts spread over the 300 tenants, in deliveries of 20."""
    alerts = [
        {
            "id": f"login-t{i % TENANTS:03d}-{i // TENANTS}",
            "status": "firing",
            "tenant": f"t{i % TENANTS:03d}",
            "labels": {"alertname": ALERTNAME, "instance": f"idp-{i // TENANTS}"},
            "summary": f"Login success rate below 90% (probe {i // TENANTS})",
        }
        for i in range(ALERTS)
    ]
    return [{"alerts": alerts[i : i + BATCH]} for i in range(0, ALERTS, BATCH)]


def reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    from bot.db import sync_url

    engine = create_engine(sync_url(url), poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


async def post_all(http: Any, bodies: list[dict[str, Any]]) -> None:
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)

    async def worker() -> None:
        while not queue.empty():
            body = queue.get_nowait()
            answer = await http.post(
                "/webhooks/generic", json=body, headers={"Authorization": f"Bearer {TOKEN}"}
            )
            if answer.status_code != 202:
                raise RuntimeError(f"webhook answered {answer.status_code}: {answer.text}")

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))


async def progress(runtime: Any) -> tuple[bool, int, int]:
    """(platform channel exists, tenant incidents, of which linked)."""
    from sqlalchemy import func, select

    from bot.incidents.models import Incident, IncidentKind

    async with runtime.sessions() as session:
        channel = await session.scalar(
            select(Incident.channel_id).where(Incident.kind == IncidentKind.PLATFORM).limit(1)
        )
        rows = await session.execute(
            select(func.count(), func.count(Incident.platform_incident_id)).where(
                Incident.kind == IncidentKind.TENANT
            )
        )
        total, linked = rows.one()
    return channel is not None, int(total), int(linked)


async def outbox_idle(runtime: Any) -> bool:
    from bot.outbox.queue import pending_count

    async with runtime.sessions() as session:
        return await pending_count(session) == 0


async def run(args: argparse.Namespace) -> int:
    import httpx

    from bot.clock import SystemClock
    from bot.config.settings import Settings
    from bot.main import create_app
    from tests.fakes.slack import SlackFake
    from tests.harness import seed_slack

    folder = Path(tempfile.mkdtemp(prefix="crebot-storm-"))
    url = args.database_url or f"sqlite:///{folder / 'crebot.db'}"
    if url.startswith("postgresql"):
        reset_postgres(url)
    fake = SlackFake(rate_limits=True)
    fake.start()
    seed_slack(fake)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=url,
        config_path=write_config(folder),
        playbooks_dir=REPO / "playbooks",
        webhook_token=TOKEN,
        slack_bot_token=fake.bot_token,
        slack_signing_secret="bench-signing-secret",
        slack_api_url=fake.url,
    )
    app = create_app(settings, clock=SystemClock(), migrate=True, background=True)
    bodies = deliveries()
    seen_channel: float | None = None
    seen_linked: float | None = None
    try:
        async with app.router.lifespan_context(app):
            runtime = app.state.runtime
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://crebot") as http:
                started = time.perf_counter()
                sender = asyncio.create_task(post_all(http, bodies))
                deadline = started + args.timeout
                posted: float | None = None
                while time.perf_counter() < deadline:
                    channel, total, linked = await progress(runtime)
                    now = time.perf_counter() - started
                    if sender.done() and posted is None:
                        posted = now
                    if channel and seen_channel is None:
                        seen_channel = now
                    if linked == TENANTS and seen_linked is None:
                        seen_linked = now
                    if sender.done() and seen_linked is not None and await outbox_idle(runtime):
                        break
                    await asyncio.sleep(0.05)
                settled = time.perf_counter() - started
                await sender
                posted = settled if posted is None else posted
                channel, total, linked = await progress(runtime)
    finally:
        fake.stop()
    return report(fake, seen_channel, seen_linked, posted, settled, total, linked)


def report(
    fake: Any,
    seen_channel: float | None,
    seen_linked: float | None,
    posted: float,
    settled: float,
    total: int,
    linked: int,
) -> int:
    calls = collections.Counter(c.method for c in fake.calls)
    limited = collections.Counter(c.method for c in fake.calls if c.status == 429)
    print(f"{ALERTS} alerts for {TENANTS} key tenants, one signature; storm at 5 tenants in 5m")
    print(f"all deliveries accepted after {posted:.2f}s; outbox idle after {settled:.2f}s")
    print("Slack calls by method (429 = refused by the rate limit, retried):")
    for method, n in sorted(calls.items()):
        extra = f"  ({limited[method]} x 429)" if limited[method] else ""
        print(f"  {method:28s} {n:5d}{extra}")
    print(f"  {'total':28s} {sum(calls.values()):5d}")
    fmt = "never" if seen_channel is None else f"{seen_channel:.2f}s"
    print(f"time until the platform channel existed: {fmt}")
    fmt = "never" if seen_linked is None else f"{seen_linked:.2f}s"
    print(f"time until every tenant was linked:      {fmt}")

    created = [c for c in fake.calls if c.method == "conversations.create" and c.ok]
    channels = [str(c.response["channel"]["id"]) for c in created if c.response]
    headers = [
        m
        for channel in channels
        for m in fake.messages(channel)
        if "incident_actions" in str(m.get("blocks"))
    ]
    posts = [
        (str(c.args.get("channel")), str(c.args.get("text")))
        for c in fake.calls
        if c.method == "chat.postMessage" and c.ok
    ]
    checks = {
        "one channel": len(channels) == 1,
        f"{TENANTS} tenant incidents, all linked": total == TENANTS and linked == TENANTS,
        "one header in the platform channel": len(headers) == 1,
        "no message posted twice": len(posts) == len(set(posts)),
    }
    for name, ok in checks.items():
        print(f"  [{'ok' if ok else 'FAILED'}] {name}")
    return 0 if all(checks.values()) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--timeout", type=float, default=110.0, help="seconds to wait at most")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
