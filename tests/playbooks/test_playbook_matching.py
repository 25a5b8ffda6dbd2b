from __future__ import annotations

import random
from collections.abc import Mapping

import pytest

from bot.errors import NotFound, ValidationFailed
from bot.playbooks import (
    UNCLASSIFIED,
    Playbook,
    PlaybookLibrary,
    Symptom,
    ambiguous,
    find_ambiguities,
    matches,
)
from bot.playbooks.matching import shared_example


def playbook(id: str, symptom: str = "errors", **match: str | list[str]) -> Playbook:
    return build(id, match, symptom)


def build(id: str, match: Mapping[str, str | list[str]], symptom: str = "errors") -> Playbook:
    return Playbook.model_validate(
        {
            "id": id,
            "title": id.title(),
            "symptom": symptom,
            "owner": "identity",
            "severity": "sev3",
            "match": dict(match),
            "fastest_check": "https://grafana.example/d/x?var-tenant={{ tenant.id }}",
            "runbook": ["Look."],
        }
    )


def test_exact_match_is_case_sensitive() -> None:
    assert matches({"alertname": ["LoginFailing"]}, {"alertname": "LoginFailing", "tenant": "c"})
    assert not matches({"alertname": ["LoginFailing"]}, {"alertname": "loginfailing"})


def test_a_list_means_any_of() -> None:
    match = {"alertname": ["A", "B"]}
    assert matches(match, {"alertname": "B"})
    assert not matches(match, {"alertname": "C"})


def test_every_key_must_be_a_label() -> None:
    match = {"alertname": ["A"], "service": ["api"]}
    assert matches(match, {"alertname": "A", "service": "api"})
    assert not matches(match, {"alertname": "A"})  # missing label
    assert not matches(match, {"alertname": "A", "service": "search"})


def test_the_library_matches_exactly_and_by_list() -> None:
    library = PlaybookLibrary(
        [playbook("logins", alertname=["A", "B"]), playbook("api", alertname="C")]
    )
    assert library.match({"alertname": "B"}).id == "logins"
    assert library.match({"alertname": "C", "tenant": "contoso"}).id == "api"


def test_no_match_or_missing_label_is_unclassified() -> None:
    library = PlaybookLibrary([playbook("api", alertname="C", service="api")])
    assert library.match({"alertname": "D"}) is UNCLASSIFIED
    assert library.match({"alertname": "C"}) is UNCLASSIFIED  # service missing
    assert library.match({}) is UNCLASSIFIED


def test_most_specific_wins_whatever_the_order() -> None:
    broad = playbook("latency", alertname=["P99High", "P95High"])
    narrow = playbook("search-latency", alertname="P99High", service="search")
    narrowest = playbook("eu-search-latency", alertname="P99High", service="search", region="eu")
    for order in ([broad, narrow, narrowest], [narrowest, narrow, broad]):
        library = PlaybookLibrary(order)
        labels = {"alertname": "P99High", "service": "search"}
        assert library.match(labels).id == "search-latency"
        assert library.match({**labels, "region": "eu"}).id == "eu-search-latency"
        assert library.match({**labels, "region": "us"}).id == "search-latency"
        assert library.match({"alertname": "P95High", "service": "search"}).id == "latency"


def test_playbooks_anchored_on_different_keys_still_compare_by_specificity() -> None:
    by_service = playbook("by-service", service="search", region="eu")
    by_name = playbook("by-name", alertname="X")
    library = PlaybookLibrary([by_service, by_name])
    assert library.match({"alertname": "X", "service": "search", "region": "eu"}).id == "by-service"
    assert library.match({"alertname": "X", "service": "search"}).id == "by-name"


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ({"alertname": ["X", "Y"]}, {"alertname": ["Y", "Z"]}, True),  # same key, intersecting
        ({"alertname": ["X"]}, {"alertname": ["X"]}, True),  # identical
        ({"alertname": ["X"]}, {"alertname": ["Y"]}, False),  # disjoint values
        ({"alertname": ["X"]}, {"service": ["api"]}, True),  # different single keys
        ({"alertname": ["X"], "service": ["a"]}, {"alertname": ["X"]}, False),  # 2 keys vs 1
        ({"alertname": ["X"], "service": ["a"]}, {"alertname": ["X"], "region": ["eu"]}, True),
        ({"alertname": ["X"], "service": ["a"]}, {"alertname": ["X"], "service": ["b"]}, False),
    ],
)
def test_ambiguity(a: dict[str, list[str]], b: dict[str, list[str]], expected: bool) -> None:
    assert ambiguous(a, b) is expected
    assert ambiguous(b, a) is expected
    if expected:  # the example in the error message really matches both
        example = shared_example(a, b)
        assert matches(a, example) and matches(b, example)


def test_find_ambiguities_reports_pairs_in_file_order() -> None:
    a, b, c = playbook("a", alertname="X"), playbook("b", alertname="Y"), playbook("c", service="s")
    pairs = find_ambiguities([a, b, c])
    assert [(first.id, second.id) for first, second in pairs] == [("a", "c"), ("b", "c")]
    assert find_ambiguities([a, b]) == []


def test_library_lookups() -> None:
    login = playbook("login", alertname="A")
    lag = playbook("lag", symptom="incorrect_results", alertname="B")
    library = PlaybookLibrary([login, lag])
    assert len(library) == 2
    assert library.ids == ("lag", "login")
    assert library.all() == [lag, login]
    assert library.get("login") is login
    assert library.get("unclassified") is UNCLASSIFIED
    assert library.by_symptom(Symptom.INCORRECT_RESULTS) == [lag]
    assert library.by_symptom("errors") == [login]
    assert library.by_symptom("latency") == []


def test_library_refusals() -> None:
    library = PlaybookLibrary([playbook("login", alertname="A")])
    with pytest.raises(NotFound, match="nope"):
        library.get("nope")
    with pytest.raises(ValidationFailed, match="partial_failure"):
        library.by_symptom("slow")
    with pytest.raises(ValueError, match="duplicate"):
        PlaybookLibrary([playbook("login", alertname="A"), playbook("login", alertname="B")])


def test_unclassified_is_built_in() -> None:
    assert UNCLASSIFIED.id == "unclassified"
    assert UNCLASSIFIED.owner is None and UNCLASSIFIED.symptom is None
    assert UNCLASSIFIED.severity == "sev3"
    assert UNCLASSIFIED.runbook and UNCLASSIFIED.customer_messages.initial


def brute_force(playbooks: list[Playbook], labels: dict[str, str]) -> Playbook:
    found = [p for p in playbooks if matches(p.match, labels)]
    return min(found, key=lambda p: (-len(p.match), p.id)) if found else UNCLASSIFIED


def test_the_index_agrees_with_the_rule() -> None:
    # Random libraries (ambiguous ones included: ties go to the lower id) and random alerts.
    rng = random.Random(1)
    keys, values = ["alertname", "service", "region"], ["a", "b", "c"]
    for _ in range(200):
        playbooks = []
        for i in range(rng.randint(1, 6)):
            chosen = rng.sample(keys, rng.randint(1, 3))
            match = {key: rng.sample(values, rng.randint(1, 2)) for key in chosen}
            playbooks.append(build(f"p{i}", match))
        library = PlaybookLibrary(playbooks)
        for _ in range(20):
            labels = {key: rng.choice(values) for key in keys if rng.random() < 0.8}
            assert library.match(labels) is brute_force(playbooks, labels)
