"""The configuration in force, swapped whole on reload so readers never see half a change."""

from __future__ import annotations

import logging
from pathlib import Path

from bot.config.loader import Domain, load_domain
from bot.errors import ConfigError

log = logging.getLogger(__name__)


class DomainHolder:
    def __init__(self, config_path: Path, playbooks_dir: Path, *, allow_sample: bool = True):
        self.config_path = config_path
        self.playbooks_dir = playbooks_dir
        self.allow_sample = allow_sample
        self._current: Domain | None = None
        self.generation = 0

    @property
    def current(self) -> Domain:
        if self._current is None:
            raise RuntimeError("configuration not loaded yet")
        return self._current

    def load(self) -> Domain:
        self._current = load_domain(
            self.config_path, self.playbooks_dir, allow_sample=self.allow_sample
        )
        self.generation += 1
        return self._current

    def reload(self) -> Domain:
        """Load the files again; an invalid file is refused and the running one kept."""
        try:
            domain = load_domain(
                self.config_path, self.playbooks_dir, allow_sample=self.allow_sample
            )
        except ConfigError as exc:
            log.error("configuration reload refused, keeping the running one:\n%s", exc)
            raise
        self._current = domain
        self.generation += 1
        log.info(
            "configuration reloaded from %s (%d tenants, %d playbooks)",
            domain.config_path,
            len(domain.config.tenants),
            len(domain.playbooks),
        )
        return domain
