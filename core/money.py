"""Money: ``Decimal`` amounts with two places, one rounding rule, one parser.

Amounts are built from ``str`` or ``int`` (never a binary float) and stored in
``DecimalField(max_digits=14, decimal_places=2)`` columns.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _

CENT = Decimal("0.01")
# DecimalField(max_digits=14, decimal_places=2): twelve digits before the point.
MAX_AMOUNT = Decimal("999999999999.99")

# ASCII digits, then at most one separator ("." or ",") and digits; an optional
# sign. Not ``\d``: it matches the digits of every script ("٣٠").
_AMOUNT_PATTERN = re.compile(r"^([+-]?)([0-9]*)(?:[.,]([0-9]*))?$")


def _as_decimal(value: Decimal | int | str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise TypeError(
            f"Money is built from Decimal, int or str, not {type(value).__name__}."
        )
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValidationError(
            _("Enter an amount such as 12.50."), code="invalid_amount"
        ) from None
    if not number.is_finite():
        raise ValidationError(
            _("Enter an amount such as 12.50."), code="invalid_amount"
        )
    return number


def quantize(value: Decimal | int | str) -> Decimal:
    """``value`` rounded to cents, halves away from zero (2.345 → 2.35)."""
    return _as_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def amount_check(value: Decimal | int | str) -> Decimal:
    """``value`` as an amount of money, refused if it is not one exactly.

    Unlike ``quantize()`` nothing is rounded: more than two decimal places, or more
    than fits the columns, is a ``ValidationError``. Services call it on every amount
    they are given.
    """
    number = _as_decimal(value)
    amount = number.quantize(CENT, rounding=ROUND_HALF_UP)
    if amount != number:
        raise ValidationError(
            _("Use at most 2 decimal places (cents), e.g. 12.50."),
            code="too_many_decimals",
        )
    if abs(amount) > MAX_AMOUNT:
        raise ValidationError(
            _("The amount is too large: at most %(max)s.")
            % {"max": number_format(MAX_AMOUNT, 2, force_grouping=True)},
            code="amount_too_large",
        )
    return amount


def decimal_parse(text: str, *, places: int | None = 2) -> Decimal:
    """A number with decimals typed by a person: "12.50", "12,50", "12", "-3.5".

    ASCII digits only; one "." or "," is the decimal separator; digits of other
    scripts (٣٠), thousands separators, exponents (1e9), underscores (1_000),
    "NaN", "Infinity" and more than ``places`` decimal places are refused with a
    message that says what to type instead.
    """
    cleaned = (text or "").strip()
    match = _AMOUNT_PATTERN.match(cleaned)
    if not cleaned:
        raise ValidationError(_("Enter an amount."), code="required")
    if match is None:
        if cleaned.count(",") + cleaned.count(".") > 1 and re.fullmatch(
            r"[+-]?[0-9.,]+", cleaned
        ):
            raise ValidationError(
                _(
                    "“%(text)s” has more than one separator: use a single “.” or “,” "
                    "for the cents and no thousands separator, e.g. 1234.50."
                )
                % {"text": cleaned},
                code="invalid_amount",
            )
        raise ValidationError(
            _("“%(text)s” is not an amount: enter digits such as 12.50.")
            % {"text": cleaned},
            code="invalid_amount",
        )
    sign, units, cents = match.groups()
    if not units and not cents:
        raise ValidationError(
            _("“%(text)s” is not an amount: enter digits such as 12.50.")
            % {"text": cleaned},
            code="invalid_amount",
        )
    if places is not None and cents is not None and len(cents) > places:
        raise ValidationError(
            _(
                "“%(text)s” has more than 2 decimal places: "
                "round it to cents, e.g. 12.50."
            )
            % {"text": cleaned}
            if places == 2
            else _("“%(text)s” has more than %(places)s decimal places.")
            % {"text": cleaned, "places": places},
            code="too_many_decimals",
        )
    return Decimal(f"{sign}{units or '0'}.{cents or '0'}")


def parse_amount(text: str) -> Decimal:
    """An amount of money typed by a person: ``decimal_parse`` with cents, within
    the columns' range (``amount_check``).

    The sign is kept: whether a negative or zero amount makes sense is for the
    service that receives it to say.
    """
    return amount_check(decimal_parse(text, places=2))


def from_database(value: Decimal | int | str) -> Decimal:
    """A money column read with raw SQL, as a Decimal.

    PostgreSQL returns ``Decimal``; SQLite (development) may return an int or a
    binary number, which is read through its shortest text form and rounded to cents.
    """
    if isinstance(value, Decimal):
        return value
    return quantize(str(value))


def money_format(amount: Decimal) -> str:
    """``amount`` in the active locale's format with the currency: "1.234,50 EUR"."""
    return f"{number_format(amount, 2, force_grouping=True)} {settings.CURRENCY}"
