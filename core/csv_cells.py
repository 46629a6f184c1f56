"""CSV files that people open in spreadsheets."""

import unicodedata
from typing import Any

# A cell starting with one of these is run as a formula by Excel, LibreOffice and
# Google Sheets (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell_safe(value: Any) -> str:
    """The cell's text, with a quote in front if a spreadsheet would run it.

    The first character is checked in its NFKC form: spreadsheets read the
    full-width "＝", "＋", "－" and "＠" (and the like) as "=", "+", "-" and "@".
    """
    text = "" if value is None else str(value)
    first = unicodedata.normalize("NFKC", text[:1])
    return "'" + text if first.startswith(FORMULA_STARTS) else text
