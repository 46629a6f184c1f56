"""What a person may type: the bounds every form field of the project keeps.

One place for the rules that hold for every text, number, date and id a person
types, in the staff pages, the customer area, the admin and the CSV import alike:

- texts lose their control characters (terminal escapes, NUL, bells...); a text
  area keeps its newlines and tabs (``text_clean``);
- whole numbers are ASCII digits within the column's range (``INT_MIN``..``INT_MAX``
  unless the field says otherwise) and ids ASCII digits within a bigint
  (``id_parse``);
- decimals are ASCII digits with one separator, no exponent, no underscores
  (``core.money.decimal_parse``);
- dates fall between ``DATE_MIN`` and ``DATE_MAX`` (``business_date_check``);
- passwords have at most ``PASSWORD_MAX_LENGTH`` characters, refused before they
  are hashed or compared.

``install()`` (called once from ``CoreConfig.ready``) makes Django's form fields keep
these rules; see its docstring for why it patches rather than asks every form to
use a field of ours.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

# PostgreSQL's integer and bigint columns.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
BIGINT_MAX = 2**63 - 1

# Dates of business (expirations, filters, birth dates): anything outside is a typo
# (0001-01-01, 9999-12-31), and date arithmetic near the ends of Python's calendar
# overflows.
DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2200, 12, 31)

# Longer passwords are refused before anything hashes them: hashing 100,000
# characters with PBKDF2 ties up a worker.
PASSWORD_MAX_LENGTH = 128

# Control characters (Unicode category Cc: C0, DEL and C1), and the bidirectional
# embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), with which a
# name shows reversed or hides its end ("Trojan Source"); right-to-left text needs
# none of them. Newline and tab are kept where a text may have several lines.
_BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
_CONTROLS = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI_CONTROLS}]")
_CONTROLS_BUT_LINES = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI_CONTROLS}]")
_LINE_BREAKS = re.compile("\r\n?|[\n\t\x0b\x0c]")
_ASCII_INTEGER = re.compile(r"[+-]?[0-9]+(?:\.0*)?")
_ASCII_ID = re.compile(r"[0-9]{1,19}")


def text_clean(text: str, *, multiline: bool = False) -> str:
    """``text`` without control characters.

    A one-line text gets a space for a line break or a tab (so "30\\n7" stays two
    words); a multi-line one keeps "\\n" (a "\\r\\n" becomes "\\n") and tabs.
    """
    if multiline:
        text = text.replace("\r\n", "\n")
        return _CONTROLS_BUT_LINES.sub("", text)
    return _CONTROLS.sub("", _LINE_BREAKS.sub(" ", text))


def has_foreign_digits(text: str) -> bool:
    """Whether ``text`` holds digits of another script (٣, ६, ², ...)."""
    return any(not character.isascii() and character.isdigit() for character in text)


def id_parse(value: Any) -> int | None:
    """The id a person (or a URL) gave, or None if it is not one.

    Only ASCII digits, and no more than a bigint holds: "६", "²", "1_0", "-1" and
    "99999999999999999999" are not ids.
    """
    text = str(value).strip() if value is not None else ""
    if not _ASCII_ID.fullmatch(text):
        return None
    number = int(text)
    return number if number <= BIGINT_MAX else None


def business_date_check(value: date, *, label: str | None = None) -> date:
    """``value`` if it falls between ``DATE_MIN`` and ``DATE_MAX``."""
    day = value.date() if isinstance(value, datetime) else value
    if not DATE_MIN <= day <= DATE_MAX:
        raise ValidationError(
            _("Enter a date between %(min)s and %(max)s.")
            % {"min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()},
            code="date_out_of_range",
        )
    return value


def _is_password(field: forms.Field) -> bool:
    return isinstance(field.widget, forms.PasswordInput)


def _char_init(original):
    def __init__(self, *args, **kwargs):
        original(self, *args, **kwargs)
        if _is_password(self) and (
            self.max_length is None or self.max_length > PASSWORD_MAX_LENGTH
        ):
            self.max_length = PASSWORD_MAX_LENGTH
            self.validators.append(_password_length_validator())
            self.widget.attrs.update(self.widget_attrs(self.widget))

    return __init__


def _password_length_validator() -> MaxLengthValidator:
    return MaxLengthValidator(
        PASSWORD_MAX_LENGTH,
        message=_("Use a password of at most %(limit_value)d characters."),
    )


def _char_to_python(original):
    def to_python(self, value):
        value = original(self, value)
        if isinstance(value, str) and value and not _is_password(self):
            # A password is never shown and only compared by its hash: it is kept
            # exactly as typed.
            value = text_clean(value, multiline=isinstance(self.widget, forms.Textarea))
        return value

    return to_python


def _integer_to_python(original):
    def to_python(self, value):
        text = value.strip() if isinstance(value, str) else ""
        if text and not self.localize and not _ASCII_INTEGER.fullmatch(text):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        number = original(self, value)
        if number is None:
            return number
        low = INT_MIN if self.min_value is None else None
        high = INT_MAX if self.max_value is None else None
        if (low is not None and number < low) or (high is not None and number > high):
            raise ValidationError(
                _("Enter a whole number between %(min)s and %(max)s.")
                % {
                    "min": self.min_value if low is None else low,
                    "max": self.max_value if high is None else high,
                },
                code="out_of_range",
            )
        return number

    return to_python


def _decimal_to_python(original):
    def to_python(self, value):
        if isinstance(value, str) and value.strip() and not self.localize:
            from core.money import decimal_parse

            return decimal_parse(value, places=self.decimal_places)
        return original(self, value)

    return to_python


def _date_to_python(original):
    def to_python(self, value):
        if isinstance(value, str) and has_foreign_digits(value):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        result = original(self, value)
        if isinstance(result, date):
            business_date_check(result)
        return result

    return to_python


def _choice_to_python(original):
    def to_python(self, value):
        if isinstance(value, str) and has_foreign_digits(value):
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return original(self, value)

    return to_python


def _choices_check(original):
    def _check_values(self, value):
        for item in value if isinstance(value, list | tuple) else []:
            if isinstance(item, str) and has_foreign_digits(item):
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": item},
                )
        return original(self, value)

    return _check_values


_installed = False


def install() -> None:
    """Makes Django's form fields keep the rules above, for every form.

    Patched rather than asked of each form: the admin, Django's own auth forms
    (login, password change and reset), django-filter's filters and every
    ModelForm build ``forms.CharField``/``IntegerField``/``DateField`` themselves;
    a field class of ours would leave each of them open, and a form added
    tomorrow too. Each patch only narrows what a field accepts and keeps Django's
    behaviour for everything else; it runs once.
    """
    global _installed
    if _installed:
        return
    _installed = True
    patches = (
        (forms.CharField, "__init__", _char_init),
        (forms.CharField, "to_python", _char_to_python),
        (forms.IntegerField, "to_python", _integer_to_python),
        (forms.DecimalField, "to_python", _decimal_to_python),
        (forms.DateField, "to_python", _date_to_python),
        (forms.DateTimeField, "to_python", _date_to_python),
        (forms.ModelChoiceField, "to_python", _choice_to_python),
        (forms.ModelMultipleChoiceField, "_check_values", _choices_check),
    )
    for field_class, name, wrap in patches:
        setattr(field_class, name, wrap(getattr(field_class, name)))
