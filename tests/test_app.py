"""The service without Slack: health, readiness, metrics, and Slack work kept for later."""

from __future__ import annotations

import pytest

from bot.clock import FakeClock
from tests.harness import running_app


async def test_health_ready_metrics_without_slack(
    database_url: str, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_app(database_url, clock, slack=None) as (_app, runtime, http):
        assert (await http.get("/healthz")).json() == {"status": "ok"}
        ready = (await http.get("/readyz")).json()
        assert ready["status"] == "ready" and ready["slack"] == "not configured"
        metrics = await http.get("/metrics")
        assert metrics.status_code == 200 and "crebot_config_generation 1.0" in metrics.text
        answer = await http.post("/slack/events", content=b"token=x&command=%2Fcre")
        assert answer.status_code == 503 and "not configured" in answer.json()["error"]
        assert runtime.bolt is None


async def test_tenants_are_synced_from_config(database_url: str, clock: FakeClock) -> None:
    from sqlalchemy import select

    from bot.tenants.models import Tenant

    async with running_app(database_url, clock, slack=None) as (_, runtime, _http):
        async with runtime.sessions() as session:
            tenants = {t.id: t for t in (await session.scalars(select(Tenant))).all()}
    assert set(tenants) == {"contoso", "fabrikam", "northwind"}
    assert tenants["contoso"].csams == ["U0CSAMCONTOSO"] and tenants["contoso"].is_key


async def test_reload_applies_a_good_file_and_refuses_a_bad_one(
    database_url: str, clock: FakeClock, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import TEST_CONFIG

    config = tmp_path / "crebot.yaml"
    config.write_text(TEST_CONFIG.read_text())
    async with running_app(database_url, clock, slack=None, config_path=config) as (_, rt, http):
        headers = {"Authorization": "Bearer test-api-token"}
        assert (await http.post("/api/config/reload")).status_code == 401
        config.write_text(TEST_CONFIG.read_text().replace("  - id: northwind", "  - id: tailspin"))
        answer = await http.post("/api/config/reload", headers=headers)
        assert answer.status_code == 200 and answer.json()["tenants"] == 3
        assert rt.domain.config.tenant("tailspin") is not None
        config.write_text("response: {slo: soon}\n")
        refused = await http.post("/api/config/reload", headers=headers)
        assert refused.status_code == 422 and "response.slo" in refused.json()["problems"][0]
        assert rt.domain.config.tenant("tailspin") is not None  # the running one is kept
