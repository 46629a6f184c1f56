"""core.shortcodes: the built-in names, the registry's, and what is left as typed."""

import pytest

from core import plugins
from core.plugins import AutomationContext, AutomationShortcode
from core.shortcodes import shortcode_names, shortcodes_render
from customers.models import Customer


@pytest.fixture
def registered():
    def failing(customer, context):
        raise RuntimeError("no data")

    entries = [
        AutomationShortcode("test_run", "Run", lambda c, ctx: f"run {ctx.run_id}"),
        AutomationShortcode("test_failing", "Failing", failing),
    ]
    for entry in entries:
        plugins.automation_shortcodes.register(entry)
    yield
    for entry in entries:
        plugins.automation_shortcodes.unregister(entry.key)


def test_built_in_and_registered_shortcodes_are_filled_in(registered):
    customer = Customer(first_name="Ada", last_name="Byron", email="ada@example.com")
    text = "{first_name} {last_name} <{email}> {test_run} {first_name}"
    assert shortcodes_render(text, customer, AutomationContext(run_id=7)) == (
        "Ada Byron <ada@example.com> run 7 Ada"
    )
    assert shortcode_names()[:3] == ["first_name", "last_name", "email"]
    assert "test_run" in shortcode_names()


def test_unknown_failing_and_malformed_shortcodes_are_left_as_typed(registered):
    customer = Customer(first_name="Ada")
    text = "{unknown} {test_failing} {First_Name} { first_name } {first_name"
    assert shortcodes_render(text, customer) == text
    assert shortcodes_render("", customer) == ""


def test_escape_makes_the_values_safe_for_html_but_not_the_text():
    customer = Customer(first_name="<b>Ada</b> & co")
    assert shortcodes_render("<p>{first_name}</p>", customer, escape=True) == (
        "<p>&lt;b&gt;Ada&lt;/b&gt; &amp; co</p>"
    )
    assert shortcodes_render("{first_name}", customer) == "<b>Ada</b> & co"
