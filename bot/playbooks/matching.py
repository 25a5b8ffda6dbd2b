"""Which playbook an alert belongs to: pure functions over labels, and the library that uses them.

The rule (docs/playbooks.md says the same for operators):

- A playbook matches an alert when every key of its `match` is a label of the alert whose
  value is one of the values listed for that key. Comparison is exact and case-sensitive.
- Among several matching playbooks the most specific wins: the one with the most keys.
- Two playbooks are *ambiguous* when they have the same number of keys and one alert could
  match both: for every key they share, their value sets intersect (keys they do not share
  can both be present on the same alert, so they never keep two playbooks apart). The loader
  refuses ambiguous playbooks, so at most one playbook of the top size can match, and the
  result never depends on file order.
- An alert that matches nothing gets the built-in UNCLASSIFIED playbook.

Speed: every key of a playbook must match, so an alert can only match a playbook if it
carries one chosen key of it (the *anchor*) with one of the listed values. The library files
each playbook under (anchor, value) for each of its anchor values; a lookup costs one dict
get per distinct anchor key, then a full check of a handful of candidates.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.errors import NotFound, ValidationFailed
from bot.playbooks.model import UNCLASSIFIED, UNCLASSIFIED_ID, Playbook, Symptom

Match = Mapping[str, Collection[str]]


def matches(match: Match, labels: Mapping[str, str]) -> bool:
    """True when every key of `match` is a label with one of the listed values."""
    return all(labels.get(key) in values for key, values in match.items())


def ambiguous(a: Match, b: Match) -> bool:
    """True when `a` and `b` are equally specific and some alert could match both."""
    if len(a) != len(b):
        return False
    return all(not set(a[key]).isdisjoint(b[key]) for key in a.keys() & b.keys())


def shared_example(a: Match, b: Match) -> dict[str, str]:
    """Labels of an alert that matches both `a` and `b` (call only when they can overlap)."""
    labels: dict[str, str] = {}
    for match, other in ((a, b), (b, a)):
        for key, values in match.items():
            if key not in labels:
                common = sorted(set(values) & set(other[key])) if key in other else []
                labels[key] = common[0] if common else next(iter(values))
    return labels


def find_ambiguities(playbooks: Sequence[Playbook]) -> list[tuple[Playbook, Playbook]]:
    """Every ambiguous pair, earlier playbook first, in the order of `playbooks`."""
    by_size: dict[int, list[Playbook]] = defaultdict(list)
    for playbook in playbooks:
        if playbook.match:
            by_size[len(playbook.match)].append(playbook)
    pairs: list[tuple[Playbook, Playbook]] = []
    # Only equally specific playbooks can be ambiguous, so compare within each size.
    for group in by_size.values():
        for i, first in enumerate(group):
            pairs.extend(
                (first, second) for second in group[i + 1 :] if ambiguous(first.match, second.match)
            )
    position = {playbook.id: i for i, playbook in enumerate(playbooks)}
    return sorted(pairs, key=lambda pair: (position[pair[0].id], position[pair[1].id]))


@dataclass(frozen=True)
class _Entry:
    # Lower ranks win: more keys first, then (only for a hand-built, ambiguous library) lower id.
    rank: tuple[int, str]
    match: tuple[tuple[str, frozenset[str]], ...]
    playbook: Playbook


class PlaybookLibrary:
    """The loaded playbooks, by id and by alert labels. UNCLASSIFIED is always available.

    `all()`, `ids` and `len()` leave UNCLASSIFIED out (they describe the files); `get()`
    and `match()` include it. The library does not check for ambiguity: the loader does,
    and for a hand-built library ties go to the lower id.
    """

    def __init__(self, playbooks: Iterable[Playbook] = ()):
        self._by_id: dict[str, Playbook] = {}
        for playbook in playbooks:
            if playbook.id in self._by_id or playbook.id == UNCLASSIFIED_ID:
                raise ValueError(f"duplicate playbook id {playbook.id!r}")
            if not playbook.match:
                raise ValueError(f"playbook {playbook.id!r} has an empty match")
            self._by_id[playbook.id] = playbook
        self._by_id = dict(sorted(self._by_id.items()))
        self._buckets = self._index(list(self._by_id.values()))
        self._anchor_keys = tuple(sorted({key for key, _ in self._buckets}))

    @staticmethod
    def _index(playbooks: list[Playbook]) -> dict[tuple[str, str], list[_Entry]]:
        # Anchor on the key most playbooks use (usually alertname): fewer distinct anchor
        # keys means fewer lookups per alert, and its values tell playbooks apart.
        use = Counter(key for playbook in playbooks for key in playbook.match)
        buckets: dict[tuple[str, str], list[_Entry]] = defaultdict(list)
        for playbook in playbooks:
            anchor = min(playbook.match, key=lambda key: (-use[key], key))
            entry = _Entry(
                rank=(-len(playbook.match), playbook.id),
                match=tuple((key, frozenset(values)) for key, values in playbook.match.items()),
                playbook=playbook,
            )
            for value in playbook.match[anchor]:
                buckets[(anchor, value)].append(entry)
        for entries in buckets.values():
            entries.sort(key=lambda entry: entry.rank)  # the first full match is the best
        return dict(buckets)

    def match(self, labels: Mapping[str, str]) -> Playbook:
        """The most specific playbook matching `labels`, or UNCLASSIFIED."""
        best: _Entry | None = None
        for key in self._anchor_keys:
            value = labels.get(key)
            if value is None:
                continue
            for entry in self._buckets.get((key, value), ()):
                if best is not None and entry.rank >= best.rank:
                    break  # buckets are sorted by rank: nothing after this beats `best`
                if all(labels.get(k) in values for k, values in entry.match):
                    best = entry
                    break
        return best.playbook if best is not None else UNCLASSIFIED

    def get(self, playbook_id: str) -> Playbook:
        if playbook_id == UNCLASSIFIED_ID:
            return UNCLASSIFIED
        try:
            return self._by_id[playbook_id]
        except KeyError:
            raise NotFound(f"no playbook with id {playbook_id!r}") from None

    def all(self) -> list[Playbook]:
        """Every loaded playbook, by id, without UNCLASSIFIED."""
        return list(self._by_id.values())

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._by_id)

    def by_symptom(self, symptom: Symptom | str) -> list[Playbook]:
        try:
            wanted = Symptom(symptom)
        except ValueError:
            allowed = ", ".join(s.value for s in Symptom)
            raise ValidationFailed(
                f"unknown symptom {symptom!r}; choose one of: {allowed}", "symptom"
            ) from None
        return [playbook for playbook in self._by_id.values() if playbook.symptom == wanted]

    def __len__(self) -> int:
        return len(self._by_id)

    def __repr__(self) -> str:
        return f"PlaybookLibrary({len(self)} playbooks)"
