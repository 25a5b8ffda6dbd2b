"""crebot: tenant-level incident response for Customer Reliability Engineering, in Slack."""

from __future__ import annotations

__version__ = "0.1.0"
