from __future__ import annotations

import pytest
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from bot.errors import TemplateError
from bot.playbooks.templates import (
    check_syntax,
    check_template,
    example_context,
    make_environment,
    render,
)


def test_the_environment_is_a_strict_sandbox() -> None:
    env = make_environment()
    assert isinstance(env, SandboxedEnvironment)
    assert env.undefined is StrictUndefined


def test_render_fills_in_and_strips() -> None:
    assert render("\nHello {{ tenant.name }}\n\n", example_context()) == "Hello Contoso Ltd"


def test_block_tags_on_their_own_line_leave_no_blank_line() -> None:
    source = "One.\n{% if next_update_at %}\nTwo.\n{% endif %}\nThree.\n"
    assert render(source, example_context()) == "One.\nTwo.\nThree."
    assert render(source, example_context(ongoing=True)) == "One.\nThree."


def test_undefined_variable_is_named() -> None:
    with pytest.raises(TemplateError, match="'nope' is undefined") as caught:
        render("{{ nope }}", {"tenant": {}})
    assert "tenant" in str(caught.value)  # what the template could have used


def test_undefined_attribute_is_an_error() -> None:
    with pytest.raises(TemplateError, match="nmae"):
        render("{{ tenant.nmae }}", example_context())


def test_sandbox_refuses_python_internals() -> None:
    with pytest.raises(TemplateError, match=r"not allowed.*unsafe"):
        render("{{ ''.__class__.__mro__[1].__subclasses__() }}", {})


def test_sandbox_refuses_mutation() -> None:
    with pytest.raises(TemplateError, match="not allowed"):
        render("{{ items.append(1) }}", {"items": []})


@pytest.mark.parametrize("source", ["{{ 'x' * 1000000 }}", "{{ 9 ** 9999 }}"])
def test_sandbox_bounds_repetition_and_powers(source: str) -> None:
    with pytest.raises(TemplateError, match="not allowed"):
        render(source, {})


def test_small_arithmetic_still_works() -> None:
    assert render("{{ '-' * 3 }}{{ 2 ** 3 }}", {}) == "---8"


def test_printing_none_is_an_error() -> None:
    with pytest.raises(TemplateError, match="None"):
        render("Ended {{ impact.end }}", example_context(ongoing=True))
    assert render("{{ impact.end or 'ongoing' }}", example_context(ongoing=True)) == "ongoing"


def test_runtime_errors_become_template_errors() -> None:
    with pytest.raises(TemplateError, match="division by zero"):
        render("{{ 1 / 0 }}", {})


def test_syntax_error_names_the_template_line() -> None:
    message = "Jinja2 syntax error on line 2 of the template"
    assert check_syntax("fine\n{{ broken }\n") is not None
    assert message in (check_syntax("fine\n{{ broken }\n") or "")
    with pytest.raises(TemplateError, match=message):
        render("fine\n{{ broken }\n", {})
    assert check_syntax("{{ tenant.id }}") is None


def test_check_template() -> None:
    assert check_template("{% if impact.end %}{{ impact.end }}{% endif %}") is None
    assert "unknown template variable(s) tenat" in (check_template("{{ tenat.id }}") or "")
    assert "early in an incident" in (check_template("{{ now_update }}") or "")
