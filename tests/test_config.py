from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.bundled import bundled, sample_config
from bot.config.domain import parse_duration
from bot.config.loader import load_config, load_domain
from bot.config.settings import Settings
from bot.errors import ConfigError
from tests.conftest import PLAYBOOKS, TEST_CONFIG

GOOD = TEST_CONFIG.read_text()


def write(tmp_path: Path, text: str, name: str = "crebot.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as err:
        load_config(path)
    return [str(p) for p in err.value.problems]


def test_shipped_sample_and_test_config_load_with_the_shipped_playbooks() -> None:
    for config in (sample_config(), TEST_CONFIG):
        domain = load_domain(config, bundled("playbooks"))
        assert len(domain.playbooks) >= 8
        assert {t.id for t in domain.config.tenants} >= {"contoso", "fabrikam"}


def test_durations() -> None:
    assert parse_duration("30s") == timedelta(seconds=30)
    assert parse_duration("15m") == timedelta(minutes=15)
    assert parse_duration("2h") == timedelta(hours=2)
    for bad in ("15", 15, "15 minutes", "-5m", "m", ""):
        with pytest.raises(ValueError, match="not a duration"):
            parse_duration(bad)


def test_unknown_key_is_an_error_naming_file_line_and_key(tmp_path: Path) -> None:
    path = write(
        tmp_path, GOOD.replace("  update_every: 60m", "  update_every: 60m\n  remindres: [1m]")
    )
    [message] = problems(path)
    assert message.startswith(f"{path}:")
    assert "response.remindres" in message and "unknown key" in message
    line = int(message.split(":")[1])
    assert path.read_text().splitlines()[line - 1].strip().startswith("remindres")


def test_bad_duration_names_the_key(tmp_path: Path) -> None:
    [message] = problems(write(tmp_path, GOOD.replace("slo: 15m", "slo: fifteen")))
    assert "response.slo" in message and "not a duration" in message


def test_duplicate_tenant_ids(tmp_path: Path) -> None:
    text = GOOD.replace("  - id: fabrikam", "  - id: contoso")
    [message] = problems(write(tmp_path, text))
    assert "tenants[1].id" in message and "duplicate tenant id 'contoso'" in message


def test_reminder_at_or_past_the_slo_is_refused(tmp_path: Path) -> None:
    [message] = problems(
        write(tmp_path, GOOD.replace("reminders: [5m, 10m]", "reminders: [5m, 15m]"))
    )
    assert "response.reminders[1]" in message and "at or past the response SLO" in message


def test_unknown_timezone_and_bad_slack_ids(tmp_path: Path) -> None:
    text = GOOD.replace("timezone: Europe/London", "timezone: Mars/Olympus").replace(
        "oncall: [S0CREONCALL1]", "oncall: [oncall-team]"
    )
    found = problems(write(tmp_path, text))
    assert any("tenants[0].timezone" in p and "unknown timezone" in p for p in found)
    assert any("oncall[0]" in p or ("oncall" in p and "not a Slack user" in p) for p in found)


def test_yaml_syntax_error_has_a_line(tmp_path: Path) -> None:
    [message] = problems(write(tmp_path, "response:\n  slo: [15m\n"))
    assert "YAML syntax" in message and f"{tmp_path}" in message


def test_unknown_team_in_a_playbook_is_reported_with_the_config(tmp_path: Path) -> None:
    text = GOOD.replace("  identity: {members: [S0IDENTITY], channel: C0IDENTITY}\n", "")
    with pytest.raises(ConfigError) as err:
        load_domain(write(tmp_path, text), PLAYBOOKS)
    assert any("identity" in str(p) and "owner" in str(p) for p in err.value.problems)


def test_missing_file_without_sample_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_domain(tmp_path / "nope.yaml", PLAYBOOKS)


def test_missing_file_with_sample_allowed_runs_on_the_sample(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    domain = load_domain(tmp_path / "nope.yaml", tmp_path / "nothing", allow_sample=True)
    assert domain.is_sample and domain.config_path == sample_config()
    assert "SAMPLE" in caplog.text


def test_tenant_slo_and_escalation_overrides() -> None:
    config = load_config(TEST_CONFIG)
    assert config.slo_for("contoso") == timedelta(minutes=10)
    assert config.slo_for("fabrikam") == timedelta(minutes=15)
    assert config.slo_for(None) == timedelta(minutes=15)
    assert [s.after for s in config.escalation_for("fabrikam")] == [
        timedelta(0),
        timedelta(minutes=10),
    ]


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREBOT_DATABASE_URL", "postgresql://db/crebot")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api")
    monkeypatch.setenv("CREBOT_WEBHOOK_TOKEN", "")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.database_url == "postgresql://db/crebot"
    assert settings.slack_api_url == "http://127.0.0.1:9/api/"
    assert settings.webhook_token is None  # blank means unset, never "matches an empty token"
    assert not settings.slack_configured  # a bot token without a signing secret is not enough


def test_settings_read_a_dotenv_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("CREBOT_API_TOKEN=from-dotenv\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CREBOT_API_TOKEN", raising=False)
    settings = Settings()
    assert settings.api_token is not None and settings.api_token.get_secret_value() == "from-dotenv"


def test_postmortem_template_must_exist_and_parse(tmp_path: Path) -> None:
    text = GOOD.replace(
        "oncall: [S0CREONCALL1]", "oncall: [S0CREONCALL1]\nreview: {postmortem_template: pm.md.j2}"
    )
    path = write(tmp_path, text)
    [missing] = problems(path)
    assert "review.postmortem_template" in missing and "cannot read" in missing
    (tmp_path / "pm.md.j2").write_text("# {{ incident.title \n")
    [broken] = problems(path)
    assert "review.postmortem_template" in broken and "pm.md.j2" in broken
    (tmp_path / "pm.md.j2").write_text("# {{ incident.title }}\n")
    assert load_config(path).review.postmortem_template == "pm.md.j2"
