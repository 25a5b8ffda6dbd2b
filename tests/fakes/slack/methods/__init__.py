"""The Web API methods the fake serves, one function each, grouped by family."""

from __future__ import annotations

from . import chat, conversations, files, items, people, views
from .registry import REGISTRY, Method

__all__ = ["REGISTRY", "Method", "chat", "conversations", "files", "items", "people", "views"]
