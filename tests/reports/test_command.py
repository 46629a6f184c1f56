"""``manage.py report``: files written, and every refusal exits 2 naming the problem."""

import csv
import io

import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from tests.customers.factories import CustomerFactory
from tests.reports.support import Past, history_write, rome

pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]

RANGE = ["--from", "2026-01-01", "--to", "2026-03-01"]


@pytest.fixture
def ledger():
    customer = CustomerFactory()
    history_write(
        customer,
        [
            Past(rome("2026-01-05 10:00"), "10.00"),
            Past(rome("2026-02-05 10:00"), "-4.00", "manual_debit"),
        ],
    )
    return customer


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("report", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_report_command_writes_the_csv_to_stdout(ledger):
    out, err = run(
        "balance.movements",
        "--group-by",
        "month",
        "--measures",
        "net,closing",
        *RANGE,
        "--format",
        "csv",
    )
    assert list(csv.reader(io.StringIO(out))) == [
        ["month", "net", "closing"],
        ["2026-01-01", "10.00", "10.00"],
        ["2026-02-01", "-4.00", "6.00"],
        ["total", "6.00", "6.00"],
    ]
    assert "left out" in err


def test_report_command_writes_csv_and_xlsx_files_with_the_same_figures(
    ledger, tmp_path
):
    csv_path, xlsx_path = tmp_path / "r.csv", tmp_path / "r.xlsx"
    common = [
        "balance.movements",
        "--group-by",
        "month,kind",
        "--measures",
        "count,net",
        *RANGE,
        "--filter",
        "reversed=include",
    ]
    run(*common, "--format", "csv", "--output", str(csv_path))
    _out, err = run(*common, "--format", "xlsx", "--output", str(xlsx_path))

    lines = list(csv.reader(csv_path.open(encoding="utf-8", newline="")))
    sheet = load_workbook(xlsx_path).active
    cells = list(sheet.iter_rows(values_only=True))
    assert lines[0] == ["month", "kind", "kind_label", "count", "net"]
    assert len(lines) == 1 + 2 * 2 + 1
    for line, cell in zip(lines[1:], cells[1:], strict=False):
        assert [line[3], line[4]] == [str(cell[2]), f"{cell[3]:.2f}"]
    assert lines[-1][-2:] == ["2", "6.00"]
    assert "rows written" in err


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["nope", "--group-by", "month"], "nope"),
        (["balance.movements", "--group-by", "fortnight"], "fortnight"),
        (
            ["balance.movements", "--group-by", "month", "--measures", "profit"],
            "profit",
        ),
        (
            ["balance.movements", "--group-by", "month", "--filter", "kind=bonus"],
            "bonus",
        ),
        (
            ["balance.movements", "--group-by", "month", "--from", "2026-13-01"],
            "2026-13-01",
        ),
        (
            [
                "balance.movements",
                "--group-by",
                "month",
                "--from",
                "2026-03-01",
                "--to",
                "2026-01-01",
            ],
            "2026-03-01",
        ),
        (
            [
                "balance.movements",
                "--group-by",
                "day",
                "--from",
                "1990-01-01",
                "--to",
                "2026-01-01",
            ],
            "10,000",
        ),
        (["balance.movements", "--group-by", "month", "--period", "soon"], "soon"),
    ],
)
def test_report_command_refusals_exit_2_naming_the_problem(ledger, args, named):
    with pytest.raises(CommandError) as error:
        run(*args, "--format", "csv")
    assert error.value.returncode == 2
    assert named in str(error.value)


def test_report_command_refuses_a_missing_folder_and_binary_to_stdout(ledger, tmp_path):
    with pytest.raises(CommandError) as error:
        run(
            "balance.movements",
            "--group-by",
            "month",
            "--format",
            "csv",
            "--output",
            str(tmp_path / "missing" / "r.csv"),
        )
    assert error.value.returncode == 2
    assert "missing" in str(error.value) and "does not exist" in str(error.value)
    for binary in ("xlsx", "pdf"):
        with pytest.raises(CommandError) as error:
            run("balance.movements", "--group-by", "month", "--format", binary)
        assert error.value.returncode == 2
        assert "--output" in str(error.value)
    assert not list(tmp_path.iterdir())


def test_report_command_writes_a_pdf(ledger, tmp_path):
    path = tmp_path / "r.pdf"
    run(
        "balance.movements",
        "--group-by",
        "month",
        *RANGE,
        "--format",
        "pdf",
        "--output",
        str(path),
    )
    assert path.read_bytes().startswith(b"%PDF")


def test_report_command_refuses_a_pdf_past_its_row_limit(ledger, tmp_path, monkeypatch):
    from reports.management.commands import report

    monkeypatch.setattr(report, "PDF_MAX_ROWS", 1)
    with pytest.raises(CommandError) as error:
        run(
            "balance.movements",
            "--group-by",
            "month",
            *RANGE,
            "--format",
            "pdf",
            "--output",
            str(tmp_path / "r.pdf"),
        )
    assert error.value.returncode == 2
    assert "csv or xlsx" in str(error.value)
    assert not list(tmp_path.iterdir())


def test_report_command_exit_status_is_2(ledger, capsys):
    with pytest.raises(SystemExit) as exited:
        ManagementUtility(
            ["manage.py", "report", "nope", "--group-by", "month", "--format", "csv"]
        ).execute()
    assert exited.value.code == 2
    assert "Unknown report source" in capsys.readouterr().err
