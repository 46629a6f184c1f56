"""Helpers for the import tests (tests/customers/test_import_*.py)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings

SAMPLES_DIR = Path(settings.BASE_DIR).parent / "shared" / "data" / "import"

# What each sample file holds, counted by reading the files: data rows, rows that
# import, and the rows refused (row number as a spreadsheet shows it, header = 1).
SAMPLES = {
    "en_with_errors.csv": {"rows": 20, "good": 15, "bad_rows": [5, 7, 9, 11, 15]},
    "es_semicolon_bom.csv": {"rows": 60, "good": 60, "bad_rows": []},
    "it_cp1252.csv": {"rows": 60, "good": 60, "bad_rows": []},
    "pt_comma.csv": {"rows": 60, "good": 60, "bad_rows": []},
}


def sample_path(name: str) -> Path:
    path = SAMPLES_DIR / name
    if not path.is_file():
        pytest.skip(f"The sample file {path} is missing (../shared/data/import/).")
    return path


def sample_bytes(name: str) -> bytes:
    return sample_path(name).read_bytes()


def csv_bytes(text: str, encoding: str = "utf-8") -> io.BytesIO:
    return io.BytesIO(text.encode(encoding))
