"""A stateful fake of the Slack Web API for crebot's tests (see fake.py)."""

from __future__ import annotations

from .dispatch import CallRecord
from .fake import SlackFake
from .state import Config

__all__ = ["CallRecord", "Config", "SlackFake"]
