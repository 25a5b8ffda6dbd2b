"""How fast PlaybookLibrary.match is: 10,000 alerts against 50 playbooks.

    python bench/playbook_match.py

Prints matches per second. A third of the playbooks narrow another one with a second label
(so the most-specific rule has work to do), and one alert in five matches nothing.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from bot.playbooks import Playbook, PlaybookLibrary

PLAYBOOKS = 50
ALERTS = 10_000
ROUNDS = 5


def make_playbooks() -> list[Playbook]:
    playbooks = []
    for i in range(PLAYBOOKS):
        # Every third playbook narrows the one before it with a second label.
        narrows = i % 3 == 2
        match: dict[str, list[str]] = {"alertname": [f"Alert{i - 1 if narrows else i}"]}
        if narrows:
            match["service"] = [f"service{i}"]
        else:
            match["alertname"].append(f"Alert{i}Legacy")
        playbooks.append(
            Playbook.model_validate(
                {
                    "id": f"playbook-{i}",
                    "title": f"Playbook {i}",
                    "symptom": "errors",
                    "owner": "team",
                    "severity": "sev3",
                    "match": match,
                    "fastest_check": "https://grafana.example/d/x?var-tenant={{ tenant.id }}",
                    "runbook": ["Look at the dashboard."],
                }
            )
        )
    return playbooks


def make_alerts(rng: random.Random) -> list[dict[str, str]]:
    known = [i for i in range(PLAYBOOKS) if i % 3 != 2]
    alerts = []
    for _ in range(ALERTS):
        # One alert in five has an alertname that no playbook knows.
        i = rng.choice(known) if rng.random() < 0.8 else PLAYBOOKS + rng.randrange(100)
        alerts.append(
            {
                "alertname": f"Alert{i}",
                # Half the time, the service that makes the narrower playbook win.
                "service": f"service{i + 1 if rng.random() < 0.5 else rng.randrange(100)}",
                "tenant": f"tenant{rng.randrange(200)}",
                "severity": "warning",
                "namespace": "prod",
                "job": "api",
            }
        )
    return alerts


def main() -> None:
    library = PlaybookLibrary(make_playbooks())
    alerts = make_alerts(random.Random(7))
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for labels in alerts:
            library.match(labels)
        best = min(best, time.perf_counter() - started)
    unclassified = sum(library.match(labels).id == "unclassified" for labels in alerts)
    print(
        f"{len(library)} playbooks, {ALERTS} alerts ({unclassified} unclassified): "
        f"{ALERTS / best:,.0f} matches/s (best of {ROUNDS}, {best * 1000:.1f} ms per batch)"
    )


if __name__ == "__main__":
    main()
