"""The `crebot` command line, in-process and as the installed console script."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from tests.conftest import REPO, TEST_CONFIG


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in list(os.environ):
        if name.startswith(("CREBOT_", "SLACK_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_init_writes_sample_and_playbooks_that_check_clean(
    clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init"]) == 0
    assert (clean_env / "crebot.yaml").exists()
    assert len(list((clean_env / "playbooks").glob("*.yaml"))) >= 8
    assert main(["init"]) == 1  # never overwrites an operator's files by accident
    assert main(["config", "check"]) == 0
    out = capsys.readouterr().out
    assert "crebot.yaml: ok" in out and "failure signatures" in out


def test_config_check_reports_file_line_and_key(
    clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = clean_env / "bad.yaml"
    bad.write_text(TEST_CONFIG.read_text().replace("slo: 15m", "slo: 15m\n  colour: blue"))
    assert main(["config", "check", str(bad), "--playbooks", str(REPO / "playbooks")]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:4: response.colour: unknown key" in err


def test_manifest(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["manifest", "--url", "https://crebot.example.com/"]) == 0
    manifest = yaml.safe_load(capsys.readouterr().out)
    endpoint = "https://crebot.example.com/slack/events"
    assert manifest["features"]["slash_commands"][0] == {
        **manifest["features"]["slash_commands"][0],
        "command": "/cre",
        "url": endpoint,
    }
    assert manifest["settings"]["interactivity"]["request_url"] == endpoint
    assert manifest["settings"]["event_subscriptions"]["request_url"] == endpoint
    assert "groups:write" in manifest["oauth_config"]["scopes"]["bot"]
    assert main(["manifest", "--socket-mode"]) == 0
    socket_manifest = yaml.safe_load(capsys.readouterr().out)
    assert socket_manifest["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in socket_manifest["settings"]["interactivity"]


def test_db_upgrade_and_current(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CREBOT_DATABASE_URL", f"sqlite:///{clean_env / 'x.db'}")
    assert main(["db", "current"]) == 0
    assert "empty" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0
    assert main(["db", "current"]) == 0
    assert capsys.readouterr().out.strip().endswith("0001")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_serve_starts_on_sqlite_without_slack_and_is_ready(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CREBOT_", "SLACK_"))}
    port = _free_port()
    crebot = shutil.which("crebot") or sys.executable
    cmd = [crebot] if crebot != sys.executable else [sys.executable, "-m", "bot"]
    proc = subprocess.Popen(
        [*cmd, "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        body = ""
        for _ in range(150):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as r:
                    body = r.read().decode()
                    break
            except OSError:
                time.sleep(0.2)
        assert '"status":"ready"' in body and '"slack":"not configured"' in body
    finally:
        proc.terminate()
        output = proc.communicate(timeout=20)[0]
    assert "SAMPLE" in output and "Slack is not configured" in output
    assert (tmp_path / "crebot.db").exists()


@pytest.mark.slow
def test_wheel_works_from_another_folder(tmp_path: Path) -> None:
    """A plain, non-editable install carries migrations and playbooks inside the package."""
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(REPO)],
        check=True,
    )
    [wheel] = list(wheels.glob("crebot-*.whl"))
    venv = tmp_path / "venv"
    # Reuse the dependencies already installed here; the wheel itself goes in fresh.
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    py = venv / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CREBOT_", "SLACK_"))}
    env["CREBOT_DATABASE_URL"] = f"sqlite:///{elsewhere / 'w.db'}"
    where = subprocess.run(
        [str(py), "-c", "import bot; print(bot.__file__)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(venv) in where, where
    crebot = venv / "bin" / "crebot"
    up = subprocess.run(
        [str(crebot), "db", "upgrade"], cwd=elsewhere, env=env, capture_output=True, text=True
    )
    assert up.returncode == 0, up.stdout + up.stderr
    subprocess.run([str(crebot), "init"], cwd=elsewhere, env=env, check=True, capture_output=True)
    check = subprocess.run(
        [str(crebot), "config", "check"], cwd=elsewhere, env=env, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "failure signatures" in check.stdout
