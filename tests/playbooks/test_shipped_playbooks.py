"""The playbooks/ folder that ships with crebot: it loads, renders and routes as documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.playbooks import UNCLASSIFIED, Playbook, PlaybookLibrary, load_playbooks, playbook_files
from bot.playbooks.templates import example_context, render

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "playbooks"
SAMPLE_TEAMS = [
    "identity",
    "api-platform",
    "data-platform",
    "policy",
    "endpoint",
    "edge",
    "product",
]
OPENING = "We detected an issue in your environment and are addressing it now."


@pytest.fixture(scope="module")
def library() -> PlaybookLibrary:
    return load_playbooks(SHIPPED, SAMPLE_TEAMS)


def shipped() -> list[Playbook]:
    return load_playbooks(SHIPPED, SAMPLE_TEAMS).all()


def templates(playbook: Playbook) -> list[tuple[str, str]]:
    found = [("fastest_check", playbook.fastest_check)]
    found += [(f"links[{i}].url", link.url) for i, link in enumerate(playbook.links)]
    messages = playbook.customer_messages
    found += [(kind, getattr(messages, kind)) for kind in ("initial", "update", "resolved")]
    return found


def test_the_sample_teams_are_the_ones_assumed_here(sample_teams: list[str]) -> None:
    assert sorted(sample_teams) == sorted(SAMPLE_TEAMS)


def test_every_shipped_file_loads(library: PlaybookLibrary) -> None:
    assert len(library) >= 8
    assert len(playbook_files(SHIPPED)) == len(library)
    assert {playbook.owner for playbook in library.all()} == set(SAMPLE_TEAMS)


@pytest.mark.parametrize("playbook", shipped(), ids=lambda playbook: playbook.id)
def test_the_file_is_named_after_the_id(playbook: Playbook) -> None:
    assert (SHIPPED / f"{playbook.id}.yaml").is_file()


@pytest.mark.parametrize("playbook", [*shipped(), UNCLASSIFIED], ids=lambda playbook: playbook.id)
@pytest.mark.parametrize("ongoing", [False, True], ids=["all-values", "ongoing"])
def test_every_template_renders(playbook: Playbook, ongoing: bool) -> None:
    context = example_context(ongoing=ongoing)
    for field, source in templates(playbook):
        assert source is not None, f"{playbook.id}: {field} is missing"
        text = render(source, context)
        assert text and "None" not in text, f"{playbook.id}: {field}"


@pytest.mark.parametrize("playbook", [*shipped(), UNCLASSIFIED], ids=lambda playbook: playbook.id)
def test_customer_messages_speak_to_customers(playbook: Playbook) -> None:
    messages = {
        kind: render(getattr(playbook.customer_messages, kind), example_context())
        for kind in ("initial", "update", "resolved")
    }
    assert messages["initial"].startswith(OPENING)
    alertnames = {value for values in playbook.match.values() for value in values}
    for kind, text in messages.items():
        assert "http" not in text and ".example" not in text, f"{playbook.id}: {kind}"
        assert not alertnames & set(re.findall(r"\w+", text)), f"{playbook.id}: {kind}"
        assert "Example signature" not in text  # internal wording stays internal


@pytest.mark.parametrize("playbook", shipped(), ids=lambda playbook: playbook.id)
def test_runbook_and_fastest_check_are_usable(playbook: Playbook) -> None:
    assert 3 <= len(playbook.runbook) <= 6
    assert playbook.symptom is not None and playbook.fastest_check_label
    url = render(playbook.fastest_check, example_context())
    assert url.startswith("https://") and "contoso" in url


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ({"alertname": "TenantLoginSuccessRateLow"}, "identity-login-failures"),
        ({"alertname": "TenantApiLatencyP99High", "service": "orders"}, "api-latency"),
        ({"alertname": "TenantApiLatencyP99High", "service": "search"}, "search-latency"),
        ({"alertname": "TenantApi5xxRateHigh"}, "api-errors"),
        ({"alertname": "TenantIngestionLagHigh"}, "data-pipeline-lag"),
        ({"alertname": "TenantPolicyPropagationDelayed"}, "policy-propagation-failure"),
        ({"alertname": "TenantAgentUpdateStalled"}, "agent-update-failures"),
        ({"alertname": "TenantRequestsThrottled"}, "edge-throttling"),
        ({"alertname": "TenantFeatureHealthDegraded"}, "product-partial-feature-failure"),
        ({"alertname": "DiskAlmostFull"}, "unclassified"),
    ],
)
def test_shipped_routing(library: PlaybookLibrary, labels: dict[str, str], expected: str) -> None:
    assert library.match({"tenant": "contoso", **labels}).id == expected


def test_the_docs_list_every_shipped_playbook(library: PlaybookLibrary) -> None:
    docs = (REPO / "docs" / "playbooks.md").read_text(encoding="utf-8")
    for playbook in library.all():
        assert f"| `{playbook.id}` | {playbook.owner} | {playbook.symptom} |" in docs
