from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.money import amount_check, money_format, parse_amount, quantize


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2.345", "2.35"),
        ("2.344", "2.34"),
        ("-2.345", "-2.35"),
        (Decimal("0.005"), "0.01"),
        (7, "7.00"),
    ],
)
def test_quantize_rounds_half_up_to_cents(value, expected):
    assert quantize(value) == Decimal(expected)
    assert str(quantize(value)) == expected


def test_quantize_refuses_a_float_and_non_numbers():
    with pytest.raises(TypeError):
        quantize(0.1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        quantize(True)  # type: ignore[arg-type]
    for bad in ("NaN", "Infinity", "abc"):
        with pytest.raises(ValidationError):
            quantize(bad)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.50", "12.50"),
        ("12,50", "12.50"),
        (" 12 ", "12.00"),
        ("12,5", "12.50"),
        ("-3.5", "-3.50"),
        ("+3", "3.00"),
        (".5", "0.50"),
        ("0", "0.00"),
        ("999999999999.99", "999999999999.99"),
    ],
)
def test_parse_amount_reads_what_people_type(text, expected):
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("12,5,0", "more than one separator"),
        ("1.234,50", "more than one separator"),
        ("abc", "is not an amount"),
        ("NaN", "is not an amount"),
        ("Infinity", "is not an amount"),
        ("1e3", "is not an amount"),
        ("12.505", "more than 2 decimal places"),
        ("12.500", "more than 2 decimal places"),
        ("", "Enter an amount"),
        (".", "is not an amount"),
        ("1 000", "is not an amount"),
        ("1000000000000", "too large"),
    ],
)
def test_parse_amount_refuses_with_a_message_a_person_can_act_on(text, message):
    with pytest.raises(ValidationError) as raised:
        parse_amount(text)
    assert message in raised.value.messages[0]


def test_amount_check_refuses_rounding_silently():
    assert amount_check(Decimal("1.5")) == Decimal("1.50")
    with pytest.raises(ValidationError):
        amount_check(Decimal("1.005"))


def test_money_format_shows_the_currency(settings):
    settings.CURRENCY = "EUR"
    assert money_format(Decimal("1234.5")) == "1,234.50 EUR"
