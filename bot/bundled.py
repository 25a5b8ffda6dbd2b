"""Where the files that ship with crebot are: migrations, playbooks, the sample crebot.yaml.

In a wheel, migrations/ and playbooks/ are carried inside the package (bot/_bundled/); in a
source checkout or an editable install they are at the top of the repository.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def bundled(name: str) -> Path:
    """The shipped `migrations` or `playbooks` folder."""
    inside = _PACKAGE / "_bundled" / name
    if inside.is_dir():
        return inside
    beside = _PACKAGE.parent / name
    if beside.is_dir():
        return beside
    raise FileNotFoundError(f"crebot's shipped {name}/ folder is missing from this installation")


def sample_config() -> Path:
    return _PACKAGE / "resources" / "sample-crebot.yaml"
