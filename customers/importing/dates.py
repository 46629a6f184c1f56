"""Dates in customer files: ISO always; day/month/year or month/day/year as detected."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from django.utils.translation import gettext_lazy

DATE_ISO = "%Y-%m-%d"
DATE_DMY = "%d/%m/%Y"
DATE_MDY = "%m/%d/%Y"
DATE_FORMATS = {
    DATE_DMY: gettext_lazy("dd/mm/yyyy"),
    DATE_ISO: gettext_lazy("yyyy-mm-dd (ISO)"),
    DATE_MDY: gettext_lazy("mm/dd/yyyy"),
}
# How a date of each format looks, in messages ("expected dd/mm/yyyy").
DATE_PATTERNS = {DATE_DMY: "dd/mm/yyyy", DATE_ISO: "yyyy-mm-dd", DATE_MDY: "mm/dd/yyyy"}

ISO_RE = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$", re.ASCII
)
SLASHED_RE = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{4})$", re.ASCII)


def date_format_detect(values: Iterable[str]) -> str:
    """ISO if most dates are yyyy-mm-dd; else dd/mm/yyyy, unless the values can only
    be mm/dd/yyyy (a second part above 12, and no first part above 12)."""
    iso = slashed = day_first = month_first = 0
    for value in values:
        value = value.strip()
        if ISO_RE.match(value):
            iso += 1
        elif match := SLASHED_RE.match(value):
            slashed += 1
            first, second = int(match[1]), int(match[3])
            if first > 12 >= second:
                day_first += 1
            elif second > 12 >= first:
                month_first += 1
    if slashed > iso:
        return DATE_MDY if month_first > day_first else DATE_DMY
    return DATE_ISO if iso else DATE_DMY


def date_parse(value: str, date_format: str) -> date:
    """A date written yyyy-mm-dd, or slashed as ``date_format`` says (d/m/yyyy and
    dd.mm.yyyy too); ValueError if it is neither, or no such day exists."""
    if match := ISO_RE.match(value):
        return date(int(match[1]), int(match[2]), int(match[3]))
    match = SLASHED_RE.match(value)
    if not match:
        raise ValueError(value)
    first, second, year = int(match[1]), int(match[3]), int(match[4])
    if date_format == DATE_MDY:
        return date(year, first, second)
    return date(year, second, first)
