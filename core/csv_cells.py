"""CSV files that people open in spreadsheets: cells written safe, and read back.

``csv_cell_safe`` puts a single quote in front of a cell a spreadsheet would run as
a formula; ``csv_cell_read`` takes that quote away again, so a file we exported
imports back to the same values. Keep the two together: the reader undoes exactly
what the writer does, and nothing else.
"""

import unicodedata
from typing import Any

# A cell starting with one of these is run as a formula by Excel, LibreOffice and
# Google Sheets (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
LEADING_SPACES = " \u00a0\u3000"


def _needs_quote(text: str) -> bool:
    """Whether the writer puts a quote in front of ``text``.

    The first character is checked in its NFKC form: spreadsheets read the
    full-width "＝", "＋", "－" and "＠" (and the like) as "=", "+", "-" and "@".
    A text that already looks neutralised (quotes, then a formula start) gets one
    more quote, so that reading it back keeps the quotes it had: "'=x" is written
    "''=x" and read back as "'=x". Spaces before the formula start do not hide it.
    """
    unquoted = text.lstrip(QUOTE)
    if unquoted.startswith(("\t", "\r")):
        return True
    # Spreadsheets that trim cells on import run " =x" as well.
    first = unicodedata.normalize("NFKC", unquoted.lstrip(LEADING_SPACES)[:1])
    return first.startswith(FORMULA_STARTS)


def csv_cell_safe(value: Any) -> str:
    """The cell's text, with a quote in front if a spreadsheet would run it."""
    text = "" if value is None else str(value)
    return QUOTE + text if _needs_quote(text) else text


def csv_cell_read(text: str) -> str:
    """A cell as ``csv_cell_safe`` meant it: without the quote it put in front.

    "'+34 610 070 912" reads as "+34 610 070 912"; "'Nuno" or "O'Brien" stay as
    they are (the writer never quotes them).
    """
    if text.startswith(QUOTE) and _needs_quote(text[1:]):
        return text[1:]
    return text


def csv_row_read(values: list[str]) -> list[str]:
    """Every cell of a row read with ``csv_cell_read`` (the common row, with no
    cell starting with a quote, comes back as it is)."""
    if not any(value.startswith(QUOTE) for value in values):
        return values
    return [csv_cell_read(value) for value in values]
