"""Reading a CSV file: its encoding, its delimiter, its header and its rows.

- The encoding: a byte-order mark decides (UTF-8, UTF-16); otherwise the whole file
  must decode strictly as UTF-8, else it is read as Windows-1252 (Latin-1 if even
  that fails).
- The delimiter: ``csv.Sniffer`` over the first lines, limited to , ; tab and |, and
  checked against how consistently each candidate splits the rows (the Sniffer
  prefers a comma even when every address holds one inside a semicolon file).
- The header: the first non-empty row names the columns.
- The cells: a cell that our exports neutralised for spreadsheets ("'+34 610...",
  see ``core.csv_cells``) is read without the quote they put in front, so an
  export imports back to the same values.

Row numbers count lines as a person does in the file: the header is row 1.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import unicodedata
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.csv_cells import csv_row_read
from core.input import text_clean
from customers.importing.dates import date_format_detect
from customers.importing.fields import mapping_propose

DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {
    ",": gettext_lazy("comma (,)"),
    ";": gettext_lazy("semicolon (;)"),
    "\t": gettext_lazy("tab"),
    "|": gettext_lazy("vertical bar (|)"),
}
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1")
ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": gettext_lazy("UTF-8 with BOM"),
    "utf-16": "UTF-16",
    "cp1252": "Windows-1252",
    "latin-1": "Latin-1 (ISO-8859-1)",
}

CHUNK_BYTES = 1 << 16
SAMPLE_BYTES = 1 << 16
SAMPLE_LINES = 50
DATE_SAMPLE_ROWS = 500
SHOWN_VALUE_CHARS = 60
# A header wider or longer than this is refused before anything is built from it:
# 100,000 columns made a 138 MB mapping page in two minutes.
MAX_COLUMNS = 200
MAX_HEADER_CHARS = 20_000


class UnreadableFile(Exception):
    """The file cannot be read at all; the message says why, for a person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _decodes(stream: IO[bytes], encoding: str) -> bool:
    stream.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        while chunk := stream.read(CHUNK_BYTES):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        stream.seek(0)
    return True


def encoding_detect(stream: IO[bytes]) -> str:
    """The file's encoding: from its byte-order mark, else strict UTF-8, else cp1252."""
    stream.seek(0)
    head = stream.read(4)
    stream.seek(0)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if head.startswith(b"PK\x03\x04"):
        raise UnreadableFile(
            _(
                "This looks like a spreadsheet or a ZIP archive, not a CSV file. "
                "Save it as CSV (comma or semicolon separated) and upload that."
            )
        )
    if b"\x00" in stream.read(SAMPLE_BYTES):
        stream.seek(0)
        raise UnreadableFile(
            _("This is not a text file. Upload a CSV file saved from a spreadsheet.")
        )
    stream.seek(0)
    for encoding in ("utf-8", "cp1252"):
        if _decodes(stream, encoding):
            return encoding
    return "latin-1"


def encoding_check(stream: IO[bytes], encoding: str) -> str:
    """The encoding a person chose, if the whole file decodes with it."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError as error:
        raise UnreadableFile(
            _("“%(encoding)s” is not an encoding we know.") % {"encoding": encoding}
        ) from error
    if name == "utf-8":
        stream.seek(0)
        if stream.read(3) == codecs.BOM_UTF8:
            name = "utf-8-sig"
        stream.seek(0)
    if not _decodes(stream, name):
        raise UnreadableFile(
            _(
                "The file is not in %(encoding)s: some characters cannot be read. "
                "Let the importer detect the encoding, or save the file as UTF-8."
            )
            % {"encoding": encoding}
        )
    return name


def _text_sample(stream: IO[bytes], encoding: str) -> str:
    stream.seek(0)
    raw = stream.read(SAMPLE_BYTES)
    complete = len(raw) < SAMPLE_BYTES
    stream.seek(0)
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(raw)
    text = text.lstrip("\ufeff")
    lines = text.splitlines(keepends=True)
    if not complete and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut in half
    return "".join(lines[:SAMPLE_LINES])


def _looks_binary(text: str) -> bool:
    if "\x00" in text:
        return True
    controls = sum(
        1 for c in text if unicodedata.category(c) == "Cc" and c not in "\t\r\n"
    )
    return controls > max(2, len(text) // 100)


def _split_score(sample: str, delimiter: str) -> tuple[float, int]:
    """(share of rows with as many values as the header, header's column count)."""
    try:
        rows = [
            row
            for row in csv.reader(io.StringIO(sample), delimiter=delimiter)
            if any(value.strip() for value in row)
        ]
    except csv.Error:
        return (0.0, 0)
    if not rows or len(rows[0]) < 2:
        return (0.0, len(rows[0]) if rows else 0)
    width = len(rows[0])
    data = rows[1:] or rows
    return (sum(1 for row in data if len(row) == width) / len(data), width)


def delimiter_detect(sample: str) -> str:
    """The delimiter among , ; tab |: the Sniffer's guess unless another splits the
    rows more consistently into more columns. A one-column file gets a comma."""
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        sniffed = None
    scores = {delimiter: _split_score(sample, delimiter) for delimiter in DELIMITERS}
    best = max(
        DELIMITERS,
        key=lambda d: (scores[d][1] >= 2, scores[d][0], scores[d][1], d == sniffed),
    )
    if scores[best][1] < 2:
        return sniffed if sniffed in DELIMITERS else ","
    return best


def _reader(stream: IO[bytes], encoding: str, delimiter: str):
    stream.seek(0)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="", errors="strict")
    return text, csv.reader(text, delimiter=delimiter)


def records_read(
    stream: IO[bytes], *, encoding: str, delimiter: str
) -> Generator[tuple[int, list[str]]]:
    """(row number, values) of every non-empty record, the header included."""
    text, reader = _reader(stream, encoding, delimiter)
    previous_line = 0
    try:
        for values in reader:
            row_number = previous_line + 1
            previous_line = reader.line_num
            if not any(value.strip() for value in values):
                continue
            if row_number == 1 and values and values[0].startswith("\ufeff"):
                values[0] = values[0].lstrip("\ufeff")
            yield row_number, csv_row_read(values)
    except csv.Error as error:
        raise UnreadableFile(
            _("Row %(row)s cannot be read (%(reason)s); the file was not imported.")
            % {"row": previous_line + 1, "reason": error}
        ) from error
    except UnicodeDecodeError as error:
        raise UnreadableFile(
            _("Row %(row)s has characters that are not %(encoding)s.")
            % {"row": previous_line + 1, "encoding": encoding}
        ) from error
    finally:
        with contextlib.suppress(ValueError):  # the caller closed the file first
            text.detach()  # leave the caller's file open


def data_rows(
    stream: IO[bytes], *, encoding: str, delimiter: str
) -> Generator[tuple[int, list[str]]]:
    """(row number, values) of every data row: the records after the header."""
    records = records_read(stream, encoding=encoding, delimiter=delimiter)
    next(records, None)
    yield from records


def data_rows_count(stream: IO[bytes], *, encoding: str, delimiter: str) -> int:
    """How many data rows the file has; raises UnreadableFile if it cannot be read."""
    return sum(1 for _row in data_rows(stream, encoding=encoding, delimiter=delimiter))


@dataclass
class Analysis:
    """What a first look at a file found: how to read it and what it holds."""

    encoding: str
    delimiter: str
    headers: list[str]
    mapping: dict[str, str]
    date_format: str
    sample: list[tuple[int, list[str]]]


def file_analyse(
    stream: IO[bytes],
    *,
    encoding: str = "",
    delimiter: str = "",
    sample_size: int = 5,
) -> Analysis:
    """Reads the header and a sample; raises UnreadableFile with the reason if the
    file is empty, binary, not decodable, has no header or no data row."""
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if size == 0:
        raise UnreadableFile(_("The file is empty."))
    encoding = encoding_check(stream, encoding) if encoding else encoding_detect(stream)
    sample_text = _text_sample(stream, encoding)
    if _looks_binary(sample_text):
        raise UnreadableFile(
            _("This is not a text file. Upload a CSV file saved from a spreadsheet.")
        )
    if not sample_text.strip():
        raise UnreadableFile(_("The file is empty."))
    _header_length_check(sample_text)
    if delimiter:
        if delimiter not in DELIMITERS:
            raise UnreadableFile(
                _("The delimiter must be a comma, a semicolon, a tab or a |.")
            )
    else:
        delimiter = delimiter_detect(sample_text)

    records = records_read(stream, encoding=encoding, delimiter=delimiter)
    try:
        return _analysis_read(records, encoding, delimiter, sample_size)
    finally:
        records.close()


def _header_too_long(length: int) -> UnreadableFile:
    return UnreadableFile(
        _(
            "The first row is too long (%(length)s characters; at most %(max)s): "
            "check that it names the columns, then upload the file again."
        )
        % {"length": length, "max": MAX_HEADER_CHARS}
    )


def _header_length_check(sample_text: str) -> None:
    """Refuses a first line longer than MAX_HEADER_CHARS before the CSV reader
    reads it whole (the sample holds its first SAMPLE_BYTES at most)."""
    first_line = next((line for line in sample_text.splitlines() if line.strip()), "")
    if len(first_line) > MAX_HEADER_CHARS:
        raise _header_too_long(len(first_line))


def header_check(values: list[str]) -> None:
    """Refuses a header of more than MAX_COLUMNS columns or MAX_HEADER_CHARS."""
    if len(values) > MAX_COLUMNS:
        raise UnreadableFile(
            _(
                "The file has %(count)s columns; at most %(max)s can be imported. "
                "Remove the columns you do not need and upload the file again."
            )
            % {"count": len(values), "max": MAX_COLUMNS}
        )
    length = sum(len(value) for value in values)
    if length > MAX_HEADER_CHARS:
        raise _header_too_long(length)


def _analysis_read(
    records: Iterator[tuple[int, list[str]]],
    encoding: str,
    delimiter: str,
    sample_size: int,
) -> Analysis:
    header_row = next(records, None)
    if header_row is None:
        raise UnreadableFile(_("The file is empty."))
    header_check(header_row[1])
    headers = [text_clean(value).strip() for value in header_row[1]]
    headers = [
        header or _("Column %(number)s") % {"number": index + 1}
        for index, header in enumerate(headers)
    ]
    if any(_is_email(header) for header in headers):
        raise UnreadableFile(
            _(
                "The first row must name the columns (e.g. “email”, “first name”), "
                "but it holds an e-mail address: add a header row to the file."
            )
        )
    sample: list[tuple[int, list[str]]] = []
    mapping = mapping_propose(headers)
    date_columns = [int(i) for i, name in mapping.items() if name == "birth_date"]
    date_values: list[str] = []
    for row_number, values in records:
        if len(sample) < sample_size:
            sample.append((row_number, values))
        for index in date_columns:
            if index < len(values) and values[index].strip():
                date_values.append(values[index])
        if len(sample) >= sample_size and (
            not date_columns or len(date_values) >= DATE_SAMPLE_ROWS
        ):
            break
    if not sample:
        raise UnreadableFile(_("The file has a header row but no customers in it."))
    return Analysis(
        encoding=encoding,
        delimiter=delimiter,
        headers=headers,
        mapping=mapping,
        date_format=date_format_detect(date_values),
        sample=sample,
    )


def _is_email(value: str) -> bool:
    if "@" not in value:
        return False
    try:
        validate_email(value.strip())
    except ValidationError:
        return False
    return True


def column_samples(
    analysis_sample: list[tuple[int, list[str]]], column_count: int, size: int = 3
) -> list[list[str]]:
    """A few non-empty values per column, to help a person recognise it."""
    samples: list[list[str]] = [[] for _index in range(column_count)]
    for _row_number, values in analysis_sample:
        for index, value in enumerate(values[:column_count]):
            if value.strip() and len(samples[index]) < size:
                samples[index].append(shown(value.strip()))
    return samples


def batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def shown(value: str) -> str:
    """A value as quoted in a message: at most SHOWN_VALUE_CHARS characters."""
    if len(value) > SHOWN_VALUE_CHARS:
        return value[: SHOWN_VALUE_CHARS - 1] + "…"
    return value
