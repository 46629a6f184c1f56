"""CSV files that people open in spreadsheets."""

from typing import Any

# A cell starting with one of these is run as a formula by Excel, LibreOffice and
# Google Sheets (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell_safe(value: Any) -> str:
    """The cell's text, with a quote in front if a spreadsheet would run it."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
