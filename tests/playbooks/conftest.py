from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.yamlfile import read_yaml

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def sample_teams() -> list[str]:
    """The team names of the bundled sample crebot.yaml."""
    return list(read_yaml(REPO / "bot" / "resources" / "sample-crebot.yaml").data["teams"])


@pytest.fixture
def shipped_dir() -> Path:
    return REPO / "playbooks"


@pytest.fixture
def playbook_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "playbooks"
    directory.mkdir()
    return directory


@pytest.fixture
def write(playbook_dir: Path) -> Callable[[str, str], Path]:
    """Write a dedented playbook file into playbook_dir; line 1 is the first line of text."""

    def write(name: str, text: str) -> Path:
        path = playbook_dir / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write
