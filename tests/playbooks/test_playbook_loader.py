from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from string import Template

import pytest

from bot.errors import ConfigError, ConfigProblem
from bot.playbooks import UNCLASSIFIED, load_playbooks

Write = Callable[[str, str], Path]

# Line numbers matter below: id is line 1, owner line 5, match line 6, runbook line 9.
VALID = Template("""\
id: $id
title: Test playbook
symptom: errors
severity: sev3
owner: identity
match:
  alertname: $alertname
fastest_check: "https://grafana.example/d/x?var-tenant={{ tenant.id }}"
runbook:
  - Look at the dashboard.
""")


def valid(id: str = "test", alertname: str = "TestAlert") -> str:
    return VALID.substitute(id=id, alertname=alertname)


def problems_of(directory: Path, teams: list[str]) -> list[ConfigProblem]:
    with pytest.raises(ConfigError) as caught:
        load_playbooks(directory, teams)
    return caught.value.problems


def only(problems: list[ConfigProblem], key: str) -> ConfigProblem:
    found = [problem for problem in problems if problem.key == key]
    assert len(found) == 1, problems
    return found[0]


def test_a_valid_file_loads(write: Write, playbook_dir: Path, sample_teams: list[str]) -> None:
    write("test.yaml", valid(alertname="[A, B, A]"))
    library = load_playbooks(playbook_dir, sample_teams)
    assert library.ids == ("test",)
    assert library.get("test").match == {"alertname": ("A", "B")}  # a tuple, duplicates dropped


def test_a_single_match_value_becomes_a_tuple(
    write: Write, playbook_dir: Path, sample_teams: list[str]
) -> None:
    write("test.yaml", valid(alertname="TestAlert"))
    assert load_playbooks(playbook_dir, sample_teams).get("test").match == {
        "alertname": ("TestAlert",)
    }


def test_unknown_key(write: Write, playbook_dir: Path, sample_teams: list[str]) -> None:
    path = write("typo.yaml", valid().replace("runbook:", "runbok:"))
    problem = only(problems_of(playbook_dir, sample_teams), "runbok")
    assert (problem.file, problem.line) == (str(path), 9)
    assert "unknown key" in problem.message


def test_bad_symptom_lists_the_allowed_ones(
    write: Write, playbook_dir: Path, sample_teams: list[str]
) -> None:
    path = write("slow.yaml", valid().replace("symptom: errors", "symptom: slow"))
    problem = only(problems_of(playbook_dir, sample_teams), "symptom")
    assert (problem.file, problem.line) == (str(path), 3)
    for allowed in ("latency", "errors", "incorrect_results", "partial_failure"):
        assert allowed in problem.message


def test_unknown_team_lists_the_known_ones(
    write: Write, playbook_dir: Path, sample_teams: list[str]
) -> None:
    path = write("team.yaml", valid().replace("owner: identity", "owner: billing"))
    problem = only(problems_of(playbook_dir, sample_teams), "owner")
    assert (problem.file, problem.line) == (str(path), 5)
    assert "'billing'" in problem.message
    assert "api-platform" in problem.message and "identity" in problem.message


def test_duplicate_id_names_both_files(
    write: Write, playbook_dir: Path, sample_teams: list[str]
) -> None:
    first = write("a.yaml", valid(id="same", alertname="A"))
    second = write("b.yaml", valid(id="same", alertname="B"))
    problem = only(problems_of(playbook_dir, sample_teams), "id")
    assert (problem.file, problem.line) == (str(second), 1)
    assert f"{first}:1" in problem.message


@pytest.mark.parametrize(
    ("addition", "key", "line", "template_line"),
    [
        (
            "customer_messages:\n  initial: |\n    Hello.\n    {{ tenant.name }\n",
            "customer_messages.initial",
            12,
            2,
        ),
        (
            "links:\n  - title: Board\n    url: https://x.example/{% if %}\n",
            "links[0].url",
            13,
            1,
        ),
    ],
)
def test_jinja_syntax_error_names_the_file_line_and_template_line(
    write: Write,
    playbook_dir: Path,
    sample_teams: list[str],
    addition: str,
    key: str,
    line: int,
    template_line: int,
) -> None:
    path = write("jinja.yaml", valid() + addition)
    problem = only(problems_of(playbook_dir, sample_teams), key)
    assert (problem.file, problem.line) == (str(path), line)
    assert f"Jinja2 syntax error on line {template_line} of the template" in problem.message


def test_jinja_syntax_error_in_fastest_check(
    write: Write, playbook_dir: Path, sample_teams: list[str]
) -> None:
    path = write("check.yaml", valid().replace("tenant.id }}", "tenant.id }"))
    problem = only(problems_of(playbook_dir, sample_teams), "fastest_check")
    assert (problem.file, problem.line) == (str(path), 8)
    assert "Jinja2 syntax error" in problem.message


def test_yaml_syntax_error(write: Write, playbook_dir: Path, sample_teams: list[str]) -> None:
    path = write("broken.yaml", valid().replace("title: Test playbook", "title: Test: playbook"))
    [problem] = problems_of(playbook_dir, sample_teams)
    assert (problem.file, problem.line) == (str(path), 2)
    assert "YAML syntax" in problem.message


@pytest.mark.parametrize("empty", ["match: {}", "match:"])
def test_empty_match_is_refused(
    write: Write, playbook_dir: Path, sample_teams: list[str], empty: str
) -> None:
    path = write("all.yaml", valid().replace("match:\n  alertname: TestAlert", empty))
    problem = only(problems_of(playbook_dir, sample_teams), "match")
    assert (problem.file, problem.line) == (str(path), 6)
    assert "would match every alert" in problem.message


def test_empty_value_list_is_refused(
    write: Write, playbook_dir: Path, sample_teams: list[str]
) -> None:
    write("none.yaml", valid(alertname="[]"))
    problem = only(problems_of(playbook_dir, sample_teams), "match.alertname")
    assert problem.line == 7 and "at least one value" in problem.message


def test_numeric_label_value_asks_for_quotes(
    write: Write, playbook_dir: Path, sample_teams: list[str]
) -> None:
    write("code.yaml", valid().replace("alertname: TestAlert", "status: 503"))
    problem = only(problems_of(playbook_dir, sample_teams), "match.status")
    assert problem.line == 7 and "quote 503" in problem.message


def test_the_unclassified_id_is_reserved(
    write: Write, playbook_dir: Path, sample_teams: list[str]
) -> None:
    path = write("unclassified.yaml", valid(id="unclassified"))
    problem = only(problems_of(playbook_dir, sample_teams), "id")
    assert (problem.file, problem.line) == (str(path), 1)
    assert "built-in" in problem.message


def test_id_must_be_a_slug(write: Write, playbook_dir: Path, sample_teams: list[str]) -> None:
    write("bad.yaml", valid(id="Login_Failures"))
    assert "lowercase" in only(problems_of(playbook_dir, sample_teams), "id").message


def test_ambiguous_files_name_both(
    write: Write, playbook_dir: Path, sample_teams: list[str]
) -> None:
    first = write("a.yaml", valid(id="a", alertname="[X, Y]"))
    second = write("b.yaml", valid(id="b", alertname="[Y, Z]"))
    problem = only(problems_of(playbook_dir, sample_teams), "match")
    assert (problem.file, problem.line) == (str(second), 6)
    assert f"'a' ({first}:6)" in problem.message
    assert "{alertname=Y}" in problem.message


def test_a_more_specific_file_is_not_ambiguous(
    write: Write, playbook_dir: Path, sample_teams: list[str]
) -> None:
    write("a.yaml", valid(id="a", alertname="X"))
    write("b.yaml", valid(id="b", alertname="X\n  service: search"))
    library = load_playbooks(playbook_dir, sample_teams)
    assert library.match({"alertname": "X", "service": "search"}).id == "b"
    assert library.match({"alertname": "X", "service": "api"}).id == "a"


def test_url_must_be_http(write: Write, playbook_dir: Path, sample_teams: list[str]) -> None:
    write("url.yaml", valid().replace('"https://grafana.example', '"grafana.example'))
    assert "http(s) URL" in only(problems_of(playbook_dir, sample_teams), "fastest_check").message


def test_unknown_template_variable_in_any_branch(
    write: Write, playbook_dir: Path, sample_teams: list[str]
) -> None:
    message = "customer_messages:\n  update: '{% if false %}{{ tenat.name }}{% endif %}ok'\n"
    write("var.yaml", valid() + message)
    problem = only(problems_of(playbook_dir, sample_teams), "customer_messages.update")
    assert problem.line == 12 and "tenat" in problem.message


def test_unguarded_optional_value_is_refused(
    write: Write, playbook_dir: Path, sample_teams: list[str]
) -> None:
    write("end.yaml", valid() + "customer_messages:\n  resolved: 'Ended {{ impact.end }}'\n")
    problem = only(problems_of(playbook_dir, sample_teams), "customer_messages.resolved")
    assert "None" in problem.message


def test_every_problem_of_every_file_in_one_error(
    write: Write, playbook_dir: Path, sample_teams: list[str]
) -> None:
    write("a.yaml", valid(id="a", alertname="A").replace("symptom: errors", "symptom: slow"))
    write("b.yaml", valid(id="b", alertname="B").replace("owner: identity", "owner: billing"))
    write("c.yaml", "id: [oops\n")
    problems = problems_of(playbook_dir, sample_teams)
    assert [Path(problem.file).name for problem in problems] == ["a.yaml", "b.yaml", "c.yaml"]
    assert [problem.key for problem in problems[:2]] == ["symptom", "owner"]


def test_error_text_is_file_line_key_message(
    write: Write, playbook_dir: Path, sample_teams: list[str]
) -> None:
    path = write("team.yaml", valid().replace("owner: identity", "owner: billing"))
    with pytest.raises(ConfigError) as caught:
        load_playbooks(playbook_dir, sample_teams)
    assert str(caught.value).startswith(f"{path}:5: owner: unknown team 'billing'")


@pytest.mark.parametrize(("text", "found"), [("", "empty"), ("- a\n- b\n", "not a mapping")])
def test_a_file_must_hold_a_mapping(
    write: Write, playbook_dir: Path, sample_teams: list[str], text: str, found: str
) -> None:
    write("odd.yaml", text)
    [problem] = problems_of(playbook_dir, sample_teams)
    assert found in problem.message


def test_missing_directory_is_an_error(tmp_path: Path, sample_teams: list[str]) -> None:
    [problem] = problems_of(tmp_path / "nowhere", sample_teams)
    assert "not found" in problem.message


def test_empty_directory_has_only_unclassified(playbook_dir: Path, sample_teams: list[str]) -> None:
    library = load_playbooks(playbook_dir, sample_teams)
    assert len(library) == 0 and library.all() == []
    assert library.match({"alertname": "Anything"}) is UNCLASSIFIED


def test_yml_is_read_and_other_files_are_not(
    write: Write, playbook_dir: Path, sample_teams: list[str]
) -> None:
    write("a.yml", valid(id="a", alertname="A"))
    write(".b.yaml", "this: [is broken")  # an editor's backup
    write("README.txt", "not a playbook")
    assert load_playbooks(playbook_dir, sample_teams).ids == ("a",)
