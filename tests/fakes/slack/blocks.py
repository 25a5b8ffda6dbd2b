"""Block Kit checks the way Slack's server makes them, not the way slack_sdk's models do.

slack_sdk validates only model objects, never raw dicts, and skips several server limits
(blocks per message, section field length, submit with inputs, duplicate ids). So every
block is checked here for those, then parsed with `Block.parse(...).to_dict()` to reuse
the SDK's own field limits. Problems come back as Slack's
"[ERROR] <what> [json-pointer:/blocks/0/text/text]" strings.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

from .errors import SlackError

MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100
VIEW_SIZE_LIMIT = 250_000
KNOWN_BLOCKS = frozenset(
    "actions context divider file header image input markdown rich_text section table video".split()
)


def problem(what: str, pointer: str) -> str:
    return f"[ERROR] {what} [json-pointer:{pointer}]"


def elements(block: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(pointer suffix, element) for every element a block holds."""
    kind = block.get("type")
    if kind == "section" and isinstance(block.get("accessory"), dict):
        yield "/accessory", block["accessory"]
    elif kind == "input" and isinstance(block.get("element"), dict):
        yield "/element", block["element"]
    elif kind in ("actions", "context"):
        for j, element in enumerate(block.get("elements") or []):
            if isinstance(element, dict):
                yield f"/elements/{j}", element


def _text_of(obj: Any) -> str:
    return obj.get("text", "") if isinstance(obj, dict) else ""


def _too_long(value: str, limit: int, pointer: str) -> list[str]:
    if len(value) > limit:
        return [problem(f"must be less than {limit + 1} characters", pointer)]
    return []


def _own_checks(block: dict[str, Any], at: str, seen_block_ids: set[str]) -> list[str]:
    found: list[str] = []
    block_id = block.get("block_id")
    if block_id is not None:
        if not isinstance(block_id, str) or len(block_id) > 255:
            found.append(problem("must be less than 256 characters", f"{at}/block_id"))
        elif block_id in seen_block_ids:
            found.append(problem(f"duplicate block_id {block_id!r}", f"{at}/block_id"))
        else:
            seen_block_ids.add(block_id)
    kind = block["type"]
    if kind == "section":
        found += _too_long(_text_of(block.get("text")), 3000, f"{at}/text/text")
        fields = block.get("fields") or []
        if len(fields) > 10:
            found.append(problem("no more than 10 items allowed", f"{at}/fields"))
        for j, item in enumerate(fields):
            found += _too_long(_text_of(item), 2000, f"{at}/fields/{j}/text")
    elif kind == "header":
        text = block.get("text")
        if not isinstance(text, dict) or text.get("type") != "plain_text":
            found.append(problem("must be a plain_text object", f"{at}/text"))
        found += _too_long(_text_of(text), 150, f"{at}/text/text")
    # Slack: an action_id must be unique among the elements of its block.
    action_ids: set[str] = set()
    for suffix, element in elements(block):
        action_id = element.get("action_id")
        if action_id is None:
            continue
        if not isinstance(action_id, str) or len(action_id) > 255:
            found.append(problem("must be less than 256 characters", f"{at}{suffix}/action_id"))
        elif action_id in action_ids:
            found.append(problem(f"duplicate action_id {action_id!r}", f"{at}{suffix}/action_id"))
        action_ids.add(str(action_id))
    return found


def _sdk_checks(block: dict[str, Any], at: str) -> list[str]:
    try:
        parsed = Block.parse(copy.deepcopy(block))
        if parsed is None:
            return [problem("unsupported block", at)]
        parsed.to_dict()
    except SlackObjectFormationError as exc:
        return [problem(str(exc), at)]
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        # Model constructors choke on wrong types (a string where an object belongs).
        return [problem(f"invalid block: {exc}", at)]
    return []


def block_problems(blocks: list[Any], root: str, limit: int) -> list[str]:
    found: list[str] = []
    if len(blocks) > limit:
        found.append(problem(f"no more than {limit} items allowed", root))
    seen_block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        at = f"{root}/{i}"
        if not isinstance(block, dict):
            found.append(problem("must be an object", at))
            continue
        kind = block.get("type")
        if not isinstance(kind, str) or not kind:
            found.append(problem("missing required field: type", f"{at}/type"))
            continue
        if kind not in KNOWN_BLOCKS:
            found.append(problem(f"unsupported type: {kind}", f"{at}/type"))
            continue
        own = _own_checks(block, at, seen_block_ids)
        found += own or _sdk_checks(block, at)
    return found


def message_blocks(raw: Any) -> list[dict[str, Any]] | None:
    """The blocks of chat.* arguments, validated; None when the call has none."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise SlackError("invalid_blocks_format") from exc
    if not isinstance(raw, list):
        raise SlackError("invalid_blocks_format")
    found = block_problems(raw, "/blocks", MESSAGE_BLOCK_LIMIT)
    if found:
        raise SlackError(
            "invalid_blocks",
            messages=found,
            errors=[p.removeprefix("[ERROR] ") for p in found],
        )
    return raw


def _view_text(view: dict[str, Any], key: str, limit: int, found: list[str]) -> None:
    value = view.get(key)
    if value is None:
        return
    if not isinstance(value, dict) or value.get("type") != "plain_text":
        found.append(problem("must be a plain_text object", f"/view/{key}"))
    elif len(_text_of(value)) > limit:
        # Wording as Slack answered it for a long title (jeremeamia/slack-block-kit#3).
        found.append(problem(f"must be less than {limit} characters", f"/view/{key}/text"))


def view_definition(raw: Any, kinds: tuple[str, ...]) -> dict[str, Any]:
    """A views.* `view` argument, validated: invalid_arguments with pointers, or view_too_large."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            bad = [problem("must be a valid JSON object", "/view")]
            raise SlackError("invalid_arguments", messages=bad) from exc
    if not isinstance(raw, dict):
        bad = [problem("missing required field: view", "/view")]
        raise SlackError("invalid_arguments", messages=bad)
    if len(json.dumps(raw)) > VIEW_SIZE_LIMIT:
        raise SlackError("view_too_large")
    found: list[str] = []
    kind = raw.get("type")
    if kind not in kinds:
        found.append(problem(f"must be one of: {', '.join(kinds)}", "/view/type"))
    if kind == "modal" and raw.get("title") is None:
        found.append(problem("missing required field: title", "/view/title"))
    for key in ("title", "submit", "close"):
        _view_text(raw, key, 24, found)
    blocks = raw.get("blocks")
    if not isinstance(blocks, list):
        found.append(problem("missing required field: blocks", "/view/blocks"))
        blocks = []
    found += block_problems(blocks, "/view/blocks", VIEW_BLOCK_LIMIT)
    if kind == "modal" and raw.get("submit") is None:
        for i, block in enumerate(blocks):
            if isinstance(block, dict) and block.get("type") == "input":
                found.append(
                    problem("must define submit to use input block", f"/view/blocks/{i}/input")
                )
                break
    for key, limit in (("private_metadata", 3000), ("callback_id", 255), ("external_id", 255)):
        value = raw.get(key)
        if value is not None:
            found += _too_long(str(value), limit, f"/view/{key}")
    if found:
        raise SlackError("invalid_arguments", messages=found)
    return raw


def with_ids(blocks: list[dict[str, Any]], new_id: Callable[[], str]) -> list[dict[str, Any]]:
    """A copy with every block_id and action_id filled in, as Slack stores them."""
    out = copy.deepcopy(blocks)
    for block in out:
        block.setdefault("block_id", new_id())
        for _suffix, element in elements(block):
            if element.get("type") not in ("image", "plain_text", "mrkdwn"):
                element.setdefault("action_id", new_id())
    return out
