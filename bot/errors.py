"""One exception hierarchy for crebot.

    CrebotError
    ├── ConfigError            a crebot.yaml or playbook problem (names the file and the key)
    ├── ValidationFailed       input from a user or a tool is not acceptable (4xx, modal errors)
    │   └── PayloadError       a webhook body or one alert in it cannot be read
    ├── IllegalTransition      an incident state change the lifecycle does not allow
    ├── NotFound               an id that names nothing
    ├── NotAllowed             the user may not do this (an ephemeral explanation in Slack)
    └── TemplateError          a Jinja2 template failed to render (shown to the drafter)

Edges translate these: FastAPI handlers into 4xx answers, Bolt's error handler into an
ephemeral message; anything else is a bug and is logged with an id.
"""

from __future__ import annotations

from dataclasses import dataclass


class CrebotError(Exception):
    """Base of every error crebot raises on purpose."""


@dataclass
class ConfigProblem:
    """One problem in a configuration file, printed as `file:line: key: message`."""

    file: str
    key: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class ConfigError(CrebotError):
    """crebot.yaml or a playbook is invalid. Carries every problem found, not only the first."""

    def __init__(self, problems: list[ConfigProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class ValidationFailed(CrebotError):
    """Input is not acceptable; `field` names where, for forms and API answers."""

    def __init__(self, message: str, field: str | None = None):
        self.message = message
        self.field = field
        super().__init__(f"{field}: {message}" if field else message)


class PayloadError(ValidationFailed):
    """A webhook body (or one alert inside it, by index) cannot be read."""

    def __init__(self, message: str, field: str | None = None, index: int | None = None):
        self.index = index
        super().__init__(message, field)


class IllegalTransition(CrebotError):
    def __init__(self, current: str, target: str, allowed: frozenset[str] | set[str]):
        self.current = current
        self.target = target
        self.allowed = frozenset(allowed)
        choices = ", ".join(sorted(self.allowed)) or "none (final state)"
        super().__init__(
            f"an incident that is {current} cannot become {target}; it can become: {choices}"
        )


class NotFound(CrebotError):
    pass


class NotAllowed(CrebotError):
    pass


class TemplateError(CrebotError):
    pass


class UnsupportedMediaType(PayloadError):
    """The body's media type is one the source never sends (XML, say): HTTP 415."""
