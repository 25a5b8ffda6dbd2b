"""The Jinja2 sandbox every user-written template renders in: playbooks and customer messages.

Templates come from playbook files (reviewed like code) and from people drafting customer
messages in Slack, so they render in an immutable sandbox: no attribute that starts with an
underscore, no mutating a list or a dict, and `*` / `**` bounded so that a slip cannot eat
the process's memory. Two choices make mistakes loud instead of quiet, because the reader of
a customer message is the customer:

- StrictUndefined: a misspelt variable (`{{ tenant.nmae }}`) is an error, not a blank.
- Printing None is an error too: `{{ impact.end }}` while the impact is ongoing would show
  the customer the word "None". Guard optional values with `{% if impact.end %}`.

Autoescaping is off: the output is Slack text, not HTML, and escaping `&`, `<` and `>` for
Slack belongs to the code that posts it.

Every failure surfaces as bot.errors.TemplateError, with a message meant for the author.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, UndefinedError, meta
from jinja2.exceptions import SecurityError
from jinja2.exceptions import TemplateError as JinjaError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedEnvironment

from bot.errors import TemplateError

# The names a playbook template (fastest_check, link urls, customer messages) may use.
# docs/playbooks.md describes each; example_context() shows their shape.
CONTEXT_VARIABLES = ("tenant", "incident", "impact", "now_update", "next_update", "next_update_at")

_MAX_REPEAT = 100_000  # the longest string or list that `*` may build
_MAX_EXPONENT = 1_000


class _Sandbox(ImmutableSandboxedEnvironment):
    # The sandbox only routes the operators listed here through call_binop.
    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int | float) and abs(right) > _MAX_EXPONENT:
            raise SecurityError(f"the exponent {right} is too large")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                sized = isinstance(seq, str | list | tuple) and isinstance(times, int)
                if sized and len(seq) * times > _MAX_REPEAT:
                    raise SecurityError("the result of '*' would be too long")
        return super().call_binop(context, operator, left, right)


def _refuse_none(value: Any) -> Any:
    if value is None:
        raise TemplateError(
            "the template prints a value that is None; "
            "guard optional values such as impact.end with {% if ... %}"
        )
    return value


def make_environment() -> SandboxedEnvironment:
    """A new sandboxed environment configured the way every crebot template expects."""
    return _Sandbox(
        undefined=StrictUndefined,
        autoescape=False,
        finalize=_refuse_none,
        # Block tags on their own line leave no blank line behind, so YAML block scalars
        # with {% if %} lines read naturally.
        trim_blocks=True,
        lstrip_blocks=True,
    )


@functools.cache
def _environment() -> SandboxedEnvironment:
    return make_environment()


@functools.lru_cache(maxsize=512)
def _compile(source: str) -> Template:
    # The same few templates (fastest_check, link urls) render for every incident.
    return _environment().from_string(source)


def _syntax_message(exc: TemplateSyntaxError) -> str:
    return f"Jinja2 syntax error on line {exc.lineno} of the template: {exc.message}"


def check_syntax(source: str) -> str | None:
    """A message describing the syntax error in `source`, or None when it parses."""
    try:
        _environment().parse(source)
    except TemplateSyntaxError as exc:
        return _syntax_message(exc)
    return None


def undeclared_variables(source: str) -> set[str]:
    """Top-level names `source` reads from its context (it must parse)."""
    env = _environment()
    return meta.find_undeclared_variables(env.parse(source)) - set(env.globals)


def render(source: str, context: Mapping[str, Any]) -> str:
    """Render `source` in the sandbox, stripped; any failure is a TemplateError saying why."""
    try:
        template = _compile(source)
    except TemplateSyntaxError as exc:
        raise TemplateError(_syntax_message(exc)) from None
    try:
        # Leading and trailing whitespace is never meant: YAML block scalars leave a newline.
        return template.render(context).strip()
    except TemplateError:
        raise
    except SecurityError as exc:
        raise TemplateError(f"not allowed in a template: {exc}") from None
    except UndefinedError as exc:
        names = ", ".join(sorted(context)) or "nothing"
        raise TemplateError(f"undefined: {exc.message} (the template can use: {names})") from None
    except (JinjaError, ArithmeticError, LookupError, TypeError, ValueError) as exc:
        # Templates are user input: a failure in one is the author's to fix, not a crash.
        raise TemplateError(f"the template failed: {exc}") from None


def example_context(*, ongoing: bool = False) -> dict[str, Any]:
    """A context of the documented shape, for trial renders (load-time checks, tests, docs).

    `ongoing=True` is the early state of an incident: no impact end, nothing written yet
    for the customer, no next update promised. Templates must render in both states.
    """
    context: dict[str, Any] = {
        "tenant": {
            "id": "contoso",
            "name": "Contoso Ltd",
            "tier": "mission-critical",
            "timezone": "Europe/London",
        },
        "incident": {"number": 42, "severity": "sev2", "signature_title": "Example signature"},
        "impact": {"start": "3 Mar 2025, 14:05 GMT", "end": "3 Mar 2025, 15:20 GMT"},
        "now_update": "We have identified the cause and are applying a fix.",
        "next_update": "We will confirm once the fix is in place everywhere.",
        "next_update_at": "3 Mar 2025, 16:00 GMT",
    }
    if ongoing:
        context["impact"] = {"start": "3 Mar 2025, 14:05 GMT", "end": None}
        context.update(now_update=None, next_update=None, next_update_at=None)
    return context


def check_template(source: str) -> str | None:
    """Why `source` cannot serve as a playbook template, or None when it can.

    Beyond syntax, reads of unknown variables are found in every branch, and a trial
    render in both example states catches misspelt attributes and unguarded optional values.
    """
    problem = check_syntax(source)
    if problem is not None:
        return problem
    unknown = undeclared_variables(source) - set(CONTEXT_VARIABLES)
    if unknown:
        return (
            f"unknown template variable(s) {', '.join(sorted(unknown))}; "
            f"a playbook template can use: {', '.join(CONTEXT_VARIABLES)}"
        )
    for ongoing in (False, True):
        try:
            render(source, example_context(ongoing=ongoing))
        except TemplateError as exc:
            when = " early in an incident (optional values None)" if ongoing else ""
            return f"the template does not render{when}: {exc}"
    return None
