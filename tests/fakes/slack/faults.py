"""Injected failures: forced error codes, 5xx pages, slow answers, dropped connections, outages.

An injected failure answers before the method runs, so it never changes workspace state.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass
class Fault:
    method: str  # a Web API method name, or "*" for all
    error: str | None = None  # HTTP 200, ok:false with this code
    status: int | None = None  # this HTTP status with an HTML body
    delay: float = 0.0  # seconds to wait before answering (real time: it models the network)
    drop: bool = False  # close the connection without an answer
    times: int | None = 1  # None: until cleared
    token: str | None = None  # only calls made with this token

    def matches(self, method: str, token: str | None) -> bool:
        if self.method not in ("*", method):
            return False
        return self.token is None or self.token == token


@dataclass(frozen=True)
class Outage:
    status: int = 503
    drop: bool = False


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self.outage: Outage | None = None

    def add(self, fault: Fault) -> None:
        if fault.times is not None and fault.times < 1:
            raise ValueError("times must be at least 1 (or None for always)")
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self.outage = None

    def take(self, method: str, token: str | None) -> Fault | None:
        """The first matching fault, used up by one call."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, token):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times == 0:
                            self._faults.remove(fault)
                    return fault
        return None
