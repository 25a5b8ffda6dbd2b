"""Loading a playbook directory into a PlaybookLibrary, reporting every problem at once.

Operators fix playbooks in a pull request, so one `crebot config check` run should show all
that is wrong across all files (YAML syntax, unknown keys, types, unknown teams, templates,
duplicate ids, ambiguous matches), each as `file:line: key: message`, not only the first.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from pydantic import ValidationError

from bot.errors import ConfigError, ConfigProblem
from bot.playbooks.matching import PlaybookLibrary, find_ambiguities, shared_example
from bot.playbooks.model import Playbook, PlaybookFile
from bot.yamlfile import YamlDocument, read_yaml

SUFFIXES = (".yaml", ".yml")


def playbook_files(directory: Path) -> list[Path]:
    """The playbook files of `directory`, by name; hidden files (editor backups) are skipped."""
    return sorted(
        (
            path
            for path in directory.iterdir()
            if path.suffix in SUFFIXES and path.is_file() and not path.name.startswith(".")
        ),
        key=lambda path: path.name,
    )


def load_playbooks(directory: Path, teams: Collection[str]) -> PlaybookLibrary:
    """Read and validate every playbook in `directory`; raise one ConfigError listing all problems.

    `teams` are the team names of crebot.yaml; every playbook's owner must be one of them.
    An empty directory is fine (every alert is then unclassified); a missing one is not.
    """
    if not directory.is_dir():
        what = "is not a directory" if directory.exists() else "not found"
        raise ConfigError([ConfigProblem(str(directory), "", f"playbook directory {what}")])

    team_names = frozenset(teams)
    problems: list[ConfigProblem] = []
    loaded: list[tuple[Playbook, YamlDocument]] = []
    for path in playbook_files(directory):
        try:
            document = read_yaml(path)
        except ConfigError as exc:
            problems.extend(exc.problems)
            continue
        playbook = _validate(document, team_names, problems)
        if playbook is not None:
            loaded.append((playbook, document))

    unique = _drop_duplicates(loaded, problems)
    problems.extend(_ambiguities(unique))
    if problems:
        # Group by file, then line, however the checks above happened to find them.
        problems.sort(key=lambda problem: (problem.file, problem.line or 0))
        raise ConfigError(problems)
    return PlaybookLibrary(playbook for playbook, _ in unique)


def _validate(
    document: YamlDocument, teams: frozenset[str], problems: list[ConfigProblem]
) -> Playbook | None:
    if not isinstance(document.data, dict):
        found = "the file is empty" if document.data is None else "the file is not a mapping"
        problems.append(
            document.problem((), f"{found}: a playbook is a mapping of id, title, match, ...")
        )
        return None
    try:
        return PlaybookFile.model_validate(document.data, context={"teams": teams})
    except ValidationError as exc:
        problems.extend(document.problems_from(exc))
        return None


def _where(document: YamlDocument, key: str) -> str:
    line = document.line_of((key,))
    return f"{document.path}:{line}" if line else str(document.path)


def _drop_duplicates(
    loaded: list[tuple[Playbook, YamlDocument]], problems: list[ConfigProblem]
) -> list[tuple[Playbook, YamlDocument]]:
    first: dict[str, YamlDocument] = {}
    unique = []
    for playbook, document in loaded:
        if playbook.id in first:
            other = _where(first[playbook.id], "id")
            problems.append(
                document.problem(("id",), f"duplicate id {playbook.id!r}: {other} uses it too")
            )
            continue
        first[playbook.id] = document
        unique.append((playbook, document))
    return unique


def _ambiguities(unique: list[tuple[Playbook, YamlDocument]]) -> list[ConfigProblem]:
    documents = {playbook.id: document for playbook, document in unique}
    problems = []
    for first, second in find_ambiguities([playbook for playbook, _ in unique]):
        example = ", ".join(
            f"{key}={value}" for key, value in shared_example(first.match, second.match).items()
        )
        keys = len(first.match)
        message = (
            f"ambiguous with playbook {first.id!r} ({_where(documents[first.id], 'match')}): "
            f"both match on {keys} key{'s' if keys > 1 else ''} and an alert labelled "
            f"{{{example}}} would match both; add a key to the more specific one "
            "or make their values disjoint"
        )
        problems.append(documents[second.id].problem(("match",), message))
    return problems
