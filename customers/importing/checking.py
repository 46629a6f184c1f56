"""Checking rows: what a row holds for the customer, or why it cannot be imported."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from core.csv_cells import csv_cell_safe  # noqa: F401 - part of the API
from core.input import text_clean
from customers.importing.dates import DATE_PATTERNS, date_parse
from customers.importing.fields import FIELDS_BY_NAME, ImportField, header_normalize
from customers.importing.reading import data_rows, shown

OLDEST_BIRTH_YEAR = 1900

SEX_VALUES = {
    "f": "f", "female": "f", "woman": "f", "w": "f", "mujer": "f",
    "femenino": "f", "donna": "f", "femmina": "f", "femminile": "f",
    "feminino": "f", "mulher": "f",
    "m": "m", "male": "m", "man": "m", "hombre": "m", "masculino": "m",
    "h": "m", "v": "m", "varon": "m", "uomo": "m", "maschio": "m",
    "maschile": "m", "homem": "m",
    "o": "o", "other": "o", "x": "o", "otro": "o", "altro": "o", "outro": "o",
}  # fmt: skip
LANGUAGE_VALUES = {
    "english": "en", "ingles": "en", "inglese": "en",
    "spanish": "es", "espanol": "es", "castellano": "es", "spagnolo": "es",
    "espanhol": "es",
    "italian": "it", "italiano": "it",
    "portuguese": "pt", "portugues": "pt", "portoghese": "pt",
}  # fmt: skip

_url_validator = URLValidator()


@dataclass
class RowResult:
    """One data row, read and checked: the customer values, or why it is refused."""

    row_number: int
    email: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def message(self) -> str:
        return " ".join(self.errors)


class RowChecker:
    """Checks rows one after another; remembers e-mails to refuse later duplicates."""

    def __init__(
        self,
        *,
        mapping: dict[str, str],
        column_count: int,
        date_format: str,
        today: date | None = None,
    ):
        self.columns = sorted(
            ((int(index), FIELDS_BY_NAME[name]) for index, name in mapping.items()),
            key=lambda item: item[0],
        )
        self.column_count = column_count
        self.date_format = date_format
        self.today = today or timezone.localdate()
        self.languages = {code for code, _name in settings.LANGUAGES}
        self.first_row_by_email: dict[str, int] = {}

    def check(self, row_number: int, values: list[str]) -> RowResult:
        result = RowResult(row_number=row_number, raw=values)
        count = len(values)
        if count > self.column_count and any(
            value.strip() for value in values[self.column_count :]
        ):
            result.errors.append(
                _("This row has %(count)s values but the file has %(columns)s columns.")
                % {"count": count, "columns": self.column_count}
            )
        cleaned = result.values
        for index, import_field in self.columns:
            raw = values[index].strip() if index < count else ""
            if "\x00" not in raw:  # a NUL is refused with its own message
                # Every customer field is one line: no terminal escapes, no breaks.
                raw = text_clean(raw).strip()
            kind = import_field.kind
            if kind != "email" and not raw:
                continue
            if (  # the common case, quickly: plain text that fits
                kind == "text"
                and len(raw) <= (import_field.max_length or len(raw))
                and "\x00" not in raw
            ):
                cleaned[import_field.name] = raw
                continue
            try:
                value = self._clean(import_field, raw)
            except ValidationError as error:
                result.errors.append(error.messages[0])
                continue
            if import_field.kind == "email":
                result.email = value
            else:
                result.values[import_field.name] = value
        if result.email:
            first = self.first_row_by_email.setdefault(result.email, row_number)
            if first != row_number:
                result.errors.append(
                    _("The e-mail %(email)s is already in row %(row)s.")
                    % {"email": shown(result.email), "row": first}
                )
        return result

    def _clean(self, import_field: ImportField, raw: str) -> Any:
        label = import_field.label
        if "\x00" in raw:
            raise ValidationError(
                _("The %(field)s holds a NUL character.") % {"field": label}
            )
        too_long = import_field.max_length and len(raw) > import_field.max_length
        if too_long and import_field.kind in ("text", "email"):
            raise ValidationError(
                _("The %(field)s is too long (%(length)s characters; at most %(max)s).")
                % {"field": label, "length": len(raw), "max": import_field.max_length}
            )
        kind = import_field.kind
        if kind == "email":
            return self._email(raw)
        if kind == "date":
            return self._date(import_field, raw)
        if kind == "country":
            country = raw.upper()
            if not (len(country) == 2 and country.isascii() and country.isalpha()):
                raise ValidationError(
                    _(
                        "The %(field)s must be a two-letter code such as IT, ES or "
                        "PT, not “%(value)s”."
                    )
                    % {"field": label, "value": shown(raw)}
                )
            return country
        if kind == "sex":
            sex = SEX_VALUES.get(header_normalize(raw))
            if sex is None:
                raise ValidationError(
                    _("The sex “%(value)s” is not recognised; use F, M or O.")
                    % {"value": shown(raw)}
                )
            return sex
        if kind == "language":
            return self._language(raw)
        if kind == "url":
            url = raw if "://" in raw else f"https://{raw}"
            try:
                _url_validator(url)
            except ValidationError:
                raise ValidationError(
                    _("“%(value)s” is not a valid website address.")
                    % {"value": shown(raw)}
                ) from None
            if len(url) > (import_field.max_length or 200):
                raise ValidationError(_("The website address is too long.")) from None
            return url
        return raw

    def _email(self, raw: str) -> str:
        if not raw:
            raise ValidationError(_("The e-mail is missing."))
        email = raw.lower()
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError(
                _("“%(value)s” is not a valid e-mail address.") % {"value": shown(raw)}
            ) from None
        return email

    def _date(self, import_field: ImportField, raw: str) -> date:
        try:
            value = date_parse(raw, self.date_format)
        except ValueError:
            raise ValidationError(
                _(
                    "The %(field)s “%(value)s” is not a valid date "
                    "(expected %(format)s)."
                )
                % {
                    "field": import_field.label,
                    "value": shown(raw),
                    "format": DATE_PATTERNS.get(self.date_format, self.date_format),
                }
            ) from None
        if value > self.today:
            raise ValidationError(
                _("The %(field)s %(value)s is in the future.")
                % {"field": import_field.label, "value": shown(raw)}
            )
        if value.year < OLDEST_BIRTH_YEAR:
            raise ValidationError(
                _("The %(field)s %(value)s is too far in the past.")
                % {"field": import_field.label, "value": shown(raw)}
            )
        return value

    def _language(self, raw: str) -> str:
        code = raw.strip().lower().replace("_", "-")
        if code in self.languages:
            return code
        base = code.split("-")[0]
        if base in self.languages:
            return base
        named = LANGUAGE_VALUES.get(header_normalize(raw))
        if named in self.languages:
            return named
        raise ValidationError(
            _("The language “%(value)s” is not available; use one of: %(codes)s.")
            % {"value": shown(raw), "codes": ", ".join(sorted(self.languages))}
        )


def rows_check(
    stream: IO[bytes],
    *,
    encoding: str,
    delimiter: str,
    mapping: dict[str, str],
    column_count: int,
    date_format: str,
) -> Iterator[RowResult]:
    """Every data row of the file, checked (UnreadableFile if it cannot be read)."""
    checker = RowChecker(
        mapping=mapping, column_count=column_count, date_format=date_format
    )
    for row_number, values in data_rows(stream, encoding=encoding, delimiter=delimiter):
        yield checker.check(row_number, values)
