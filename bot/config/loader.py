"""Loading crebot.yaml and the playbooks together, checking what no single model can."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from bot.bundled import bundled, sample_config
from bot.config.domain import DomainConfig
from bot.errors import ConfigError, ConfigProblem
from bot.playbooks import PlaybookLibrary, load_playbooks
from bot.playbooks.templates import check_syntax
from bot.yamlfile import YamlDocument, read_yaml

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Domain:
    """Everything the domain rules come from; replaced as a whole on reload."""

    config: DomainConfig
    playbooks: PlaybookLibrary
    config_path: Path
    playbooks_dir: Path
    is_sample: bool = False


def load_config(path: Path) -> DomainConfig:
    doc = read_yaml(path)
    if doc.data is None:
        doc_data: object = {}
    else:
        doc_data = doc.data
    if not isinstance(doc_data, dict):
        raise ConfigError([ConfigProblem(str(path), "", "the file must be a mapping of keys")])
    try:
        config = DomainConfig.model_validate(doc_data)
    except ValidationError as exc:
        raise ConfigError(doc.problems_from(exc)) from None
    problems = _cross_checks(doc, config) + _postmortem_template(doc, config)
    if problems:
        raise ConfigError(problems)
    return config


def _cross_checks(doc: YamlDocument, config: DomainConfig) -> list[ConfigProblem]:
    problems: list[ConfigProblem] = []
    seen: dict[str, int] = {}
    for i, tenant in enumerate(config.tenants):
        if tenant.id in seen:
            problems.append(
                doc.problem(
                    ["tenants", i, "id"],
                    f"duplicate tenant id {tenant.id!r} (also tenants[{seen[tenant.id]}])",
                )
            )
        seen.setdefault(tenant.id, i)
    # Reminders are checked against the global SLO. A tenant with a shorter SLO of its own
    # simply skips the reminders that would land at or after its deadline (the contract's
    # own example has a 10m tenant SLO beside a 10m reminder).
    slo = config.response.slo
    for j, reminder in enumerate(config.response.reminders):
        if reminder >= slo:
            problems.append(
                doc.problem(
                    ["response", "reminders", j],
                    f"a reminder at {_fmt(reminder)} is at or past the response SLO "
                    f"({_fmt(slo)}); reminders come before the deadline",
                )
            )
    return problems


def _postmortem_template(doc: YamlDocument, config: DomainConfig) -> list[ConfigProblem]:
    """An operator's postmortem template must exist and parse: found now, not at the first
    postmortem after an incident."""
    configured = config.review.postmortem_template
    if configured is None:
        return []
    path = Path(configured).expanduser()
    path = path if path.is_absolute() else doc.path.parent / path
    key = ["review", "postmortem_template"]
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [doc.problem(key, f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}")]
    error = check_syntax(source)
    return [doc.problem(key, f"{path}: {error}")] if error else []


def _fmt(delta: object) -> str:
    seconds = int(delta.total_seconds())  # type: ignore[attr-defined]
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds % size == 0 and seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def load_domain(config_path: Path, playbooks_dir: Path, *, allow_sample: bool = False) -> Domain:
    """Load and validate everything; raise one ConfigError listing every problem found.

    With `allow_sample`, a missing crebot.yaml means the bundled sample (and the shipped
    playbooks when the playbooks folder is missing too).
    """
    is_sample = False
    if allow_sample and not config_path.exists():
        log.warning(
            "NO CONFIGURATION: %s does not exist, so crebot runs on its bundled SAMPLE "
            "configuration with made-up tenants and Slack ids. Run `crebot init` to write "
            "one here and edit it.",
            config_path,
        )
        config_path, is_sample = sample_config(), True
    if allow_sample and not playbooks_dir.exists():
        log.warning("%s does not exist: using the shipped playbooks", playbooks_dir)
        playbooks_dir = bundled("playbooks")
    problems: list[ConfigProblem] = []
    config: DomainConfig | None = None
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        problems += exc.problems
    teams = set(config.teams) if config else set()
    try:
        library = load_playbooks(playbooks_dir, teams) if config else None
    except ConfigError as exc:
        problems += exc.problems
        library = None
    if problems or config is None or library is None:
        raise ConfigError(problems)
    return Domain(config, library, config_path, playbooks_dir, is_sample)
