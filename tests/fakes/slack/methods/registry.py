"""Method name -> function. Each function reads Args, changes State, returns the JSON body.

Functions raise SlackError for `ok: false`; they validate everything before changing
anything, so a refused call leaves the workspace as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..args import Args
from ..state import State

Method = Callable[[State, Args], dict[str, Any]]
REGISTRY: dict[str, Method] = {}


def api(name: str) -> Callable[[Method], Method]:
    def register(func: Method) -> Method:
        if name in REGISTRY:
            raise RuntimeError(f"{name} registered twice")
        REGISTRY[name] = func
        return func

    return register
