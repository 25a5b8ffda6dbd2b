"""Tool-specific values made into the plain shapes an Alert holds: labels, tenant, links, keys."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

# The alerts table holds dedup keys of up to 255 characters. A longer key (a Datadog scope
# with many tags, say) is replaced by its digest: still stable, and still unique in practice.
MAX_KEY_LENGTH = 255


def label_value(value: Any) -> str | None:
    """A JSON scalar as a label string; None for null and for nested values.

    Numbers and booleans are written as JSON writes them (`true`, `2.5`), so a label reads the
    same whichever tool sent it. Objects and arrays are skipped: they cannot be matched by a
    playbook, and the whole item stays in `Alert.raw`.
    """
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    return None


def flat_labels(mapping: Mapping[str, Any] | None) -> dict[str, str]:
    """A string-to-string dict from a JSON object, skipping null and nested values."""
    labels: dict[str, str] = {}
    for key, value in (mapping or {}).items():
        text = label_value(value)
        if text is not None:
            labels[str(key)] = text
    return labels


def clean_tenant(value: Any) -> str | None:
    """A tenant id as sent, trimmed; None when absent, empty, or not a scalar."""
    text = label_value(value)
    if text is None:
        return None
    return text.strip() or None


def get_ignoring_case(mapping: Mapping[str, Any] | None, key: str) -> Any:
    """`mapping[key]` where the key's case is not under our control (Azure names, say)."""
    if not mapping:
        return None
    if key in mapping:
        return mapping[key]
    wanted = key.casefold()
    for name, value in mapping.items():
        if isinstance(name, str) and name.casefold() == wanted:
            return value
    return None


def http_links(candidates: Iterable[tuple[str, Any]]) -> dict[str, str]:
    """Named links, keeping only non-empty http(s) URLs.

    Tools send empty strings for absent links (Grafana's dashboardURL), and a link ends up
    clickable in Slack, so a `javascript:` or relative value is dropped rather than rendered.
    """
    links: dict[str, str] = {}
    for name, url in candidates:
        if not isinstance(url, str):
            continue
        url = url.strip()
        if url.lower().startswith(("https://", "http://")) and name not in links:
            links[name] = url
    return links


def bounded_key(key: str) -> str:
    """The dedup key itself, or `sha256:<hex>` of it when it is too long to store."""
    if len(key) <= MAX_KEY_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def digest(*parts: str, length: int = 32) -> str:
    """A stable hex digest of several strings (JSON-joined, so ("a,b",) != ("a", "b"))."""
    canonical = json.dumps(list(parts), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:length]


def first_text(*values: Any) -> str:
    """The first value that is a non-blank string, else ''."""
    for value in values:
        if isinstance(value, str) and value.strip():
            return value
    return ""
