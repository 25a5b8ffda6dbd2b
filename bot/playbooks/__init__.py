"""The failure-signature library: playbooks/*.yaml, validated, and matched against alerts.

    load_playbooks(directory, teams) -> PlaybookLibrary     (raises ConfigError)
    library.match(labels) -> Playbook                       (UNCLASSIFIED when nothing matches)
    library.get(id), library.all(), library.ids, library.by_symptom(symptom), len(library)

Templates in a playbook render through bot.playbooks.templates (a Jinja2 sandbox shared with
customer notifications). The matching rule is described in bot.playbooks.matching and
docs/playbooks.md.
"""

from __future__ import annotations

from bot.playbooks.loader import load_playbooks, playbook_files
from bot.playbooks.matching import PlaybookLibrary, ambiguous, find_ambiguities, matches
from bot.playbooks.model import (
    UNCLASSIFIED,
    UNCLASSIFIED_ID,
    CustomerMessages,
    Link,
    Playbook,
    PlaybookFile,
    Severity,
    Symptom,
)

__all__ = [
    "UNCLASSIFIED",
    "UNCLASSIFIED_ID",
    "CustomerMessages",
    "Link",
    "Playbook",
    "PlaybookFile",
    "PlaybookLibrary",
    "Severity",
    "Symptom",
    "ambiguous",
    "find_ambiguities",
    "load_playbooks",
    "matches",
    "playbook_files",
]
