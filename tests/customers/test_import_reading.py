"""Reading and checking CSV files (customers.importing): no database needed."""

import io
from datetime import date, timedelta

import pytest

from customers import importing
from tests.customers.import_support import SAMPLES, csv_bytes, sample_bytes


def analyse(data: bytes, **options) -> importing.Analysis:
    return importing.file_analyse(io.BytesIO(data), **options)


def checked_rows(data: bytes, **options) -> list[importing.RowResult]:
    stream = io.BytesIO(data)
    analysis = importing.file_analyse(stream, **options)
    return list(
        importing.rows_check(
            stream,
            encoding=analysis.encoding,
            delimiter=analysis.delimiter,
            mapping=analysis.mapping,
            column_count=len(analysis.headers),
            date_format=analysis.date_format,
        )
    )


@pytest.mark.parametrize(
    ("name", "encoding", "delimiter", "date_format"),
    [
        ("en_with_errors.csv", "utf-8", ",", importing.DATE_ISO),
        ("es_semicolon_bom.csv", "utf-8-sig", ";", importing.DATE_DMY),
        ("it_cp1252.csv", "cp1252", ";", importing.DATE_DMY),
        ("pt_comma.csv", "utf-8", ",", importing.DATE_ISO),
    ],
)
def test_file_analyse_detects_encoding_delimiter_and_dates_of_the_samples(
    name, encoding, delimiter, date_format
):
    analysis = analyse(sample_bytes(name))
    assert analysis.encoding == encoding
    assert analysis.delimiter == delimiter
    assert analysis.date_format == date_format


def test_file_analyse_maps_spanish_headers():
    analysis = analyse(sample_bytes("es_semicolon_bom.csv"))
    assert analysis.headers[0] == "Nombre"  # the byte-order mark is gone
    assert list(analysis.mapping.values()) == [
        "first_name",
        "last_name",
        "email",
        "phone",
        "address",
        "city",
        "region",
        "postal_code",
        "birth_date",
        "company_name",
    ]


def test_file_analyse_maps_italian_headers_read_as_cp1252():
    analysis = analyse(sample_bytes("it_cp1252.csv"))
    assert analysis.headers[5] == "Città"
    assert analysis.mapping == {
        "0": "first_name",
        "1": "last_name",
        "2": "email",
        "3": "phone",
        "4": "address",
        "5": "city",
        "6": "region",
        "7": "postal_code",
        "8": "birth_date",
    }


def test_file_analyse_maps_portuguese_headers():
    analysis = analyse(sample_bytes("pt_comma.csv"))
    assert analysis.headers[4] == "Endereço"
    assert [analysis.mapping[str(i)] for i in range(9)] == [
        "first_name",
        "last_name",
        "email",
        "phone",
        "address",
        "city",
        "region",
        "postal_code",
        "birth_date",
    ]


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("E-mail", "email"),
        ("Correo electrónico", "email"),
        ("CORREO ELECTRONICO", "email"),
        ("Email *", "email"),
        ("e-mail (required)", "email"),
        ("First name", "first_name"),
        ("Nombre", "first_name"),
        ("Nome", "first_name"),
        ("Surname", "last_name"),
        ("Apellidos", "last_name"),
        ("Cognome", "last_name"),
        ("Sobrenome", "last_name"),
        ("Código postal", "postal_code"),
        ("CEP", "postal_code"),
        ("CAP", "postal_code"),
        ("ZIP code", "postal_code"),
        ("Città", "city"),
        ("Cidade", "city"),
        ("Provincia", "region"),
        ("Estado", "region"),
        ("Teléfono", "phone"),
        ("Telefone", "phone"),
        ("Data di nascita", "birth_date"),
        ("Fecha de nacimiento", "birth_date"),
        ("Date of birth", "birth_date"),
        ("Razón social", "company_name"),
        ("Ragione sociale", "company_name"),
        ("Dirección", "address"),
        ("Endereço", "address"),
        ("Indirizzo", "address"),
        ("Partita IVA", "vat_number"),
        ("Codice fiscale", "fiscal_code"),
        ("postal_code", "postal_code"),
    ],
)
def test_mapping_propose_recognises_headers_in_four_languages(header, field):
    assert importing.mapping_propose([header]) == {"0": field}


def test_mapping_propose_gives_a_field_to_its_first_column_only():
    mapping = importing.mapping_propose(["Email", "Notes", "E-mail", "Ciudad"])
    assert mapping == {"0": "email", "3": "city"}


def test_mapping_problems_names_the_column_mapped_twice_and_a_missing_email():
    headers = ["Ciudad", "Città", "Nome"]
    by_column, general = importing.mapping_problems(
        {"0": "city", "1": "city", "2": "first_name"}, headers
    )
    assert list(by_column) == ["1"]
    assert "Ciudad" in by_column["1"]
    assert len(general) == 1
    assert "e-mail" in general[0]


def test_mapping_problems_refuses_an_unknown_field_and_column():
    by_column, general = importing.mapping_problems(
        {"0": "email", "1": "password", "7": "city"}, ["Email", "Secret"]
    )
    assert "password" in by_column["1"]
    assert general == ["The mapping names a column the file does not have."]


def test_encoding_detect_reads_latin1_bytes_that_cp1252_lacks():
    data = "email;name\nx@example.com;Caf\u00e9\n".encode("latin-1") + b"\x81\n"
    assert importing.encoding_detect(io.BytesIO(data)) == "latin-1"


def test_file_analyse_reads_utf16_with_its_byte_order_mark():
    data = "email\tname\nana@example.com\tAna\n".encode("utf-16")
    analysis = analyse(data)
    assert analysis.encoding == "utf-16"
    assert analysis.delimiter == "\t"
    assert analysis.sample == [(2, ["ana@example.com", "Ana"])]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_detect_finds_each_delimiter(delimiter):
    lines = [
        ["email", "first name", "city"],
        ["a@example.com", "Ana", "Porto"],
        ["b@example.com", "Bea", "Lima"],
    ]
    text = "\n".join(delimiter.join(line) for line in lines) + "\n"
    assert importing.delimiter_detect(text) == delimiter


def test_delimiter_detect_prefers_semicolons_over_commas_inside_addresses():
    text = (
        "Email;Indirizzo;Città\n"
        "a@example.it;Piazza Aurora, 71;Milano\n"
        "b@example.it;Via Roma, 2;Pisa\n"
    )
    assert importing.delimiter_detect(text) == ";"


def test_delimiter_detect_gives_a_comma_to_a_single_column_file():
    assert importing.delimiter_detect("email\na@example.com\n") == ","
    rows = checked_rows(b"email\na@example.com\nb@example.com\n")
    assert [row.email for row in rows] == ["a@example.com", "b@example.com"]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["30/03/1946", "14/05/1957"], importing.DATE_DMY),
        (["1/2/1990", "3/4/1980"], importing.DATE_DMY),
        (["1962-01-11", "1984-12-19"], importing.DATE_ISO),
        (["03/30/1946", "05/14/1957"], importing.DATE_MDY),
        ([], importing.DATE_DMY),
    ],
)
def test_date_format_detect(values, expected):
    assert importing.date_format_detect(values) == expected


@pytest.mark.parametrize(
    ("value", "date_format", "expected"),
    [
        ("30/03/1946", importing.DATE_DMY, date(1946, 3, 30)),
        ("1/2/1990", importing.DATE_DMY, date(1990, 2, 1)),
        ("01.02.1990", importing.DATE_DMY, date(1990, 2, 1)),
        ("1/2/1990", importing.DATE_MDY, date(1990, 1, 2)),
        ("1962-01-11", importing.DATE_DMY, date(1962, 1, 11)),
        ("1962-01-11 00:00:00", importing.DATE_ISO, date(1962, 1, 11)),
    ],
)
def test_date_parse(value, date_format, expected):
    assert importing.date_parse(value, date_format) == expected


@pytest.mark.parametrize("value", ["1985-02-30", "31/04/2000", "2000/01/01", "soon"])
def test_date_parse_refuses_impossible_or_unknown_dates(value):
    with pytest.raises(ValueError):
        importing.date_parse(value, importing.DATE_DMY)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_rows_check_finds_the_bad_rows_of_each_sample(name):
    rows = checked_rows(sample_bytes(name))
    expected = SAMPLES[name]
    assert len(rows) == expected["rows"]
    assert sum(1 for row in rows if row.ok) == expected["good"]
    assert [row.row_number for row in rows if not row.ok] == expected["bad_rows"]


def test_rows_check_explains_each_error_of_the_english_sample():
    rows = {
        row.row_number: row for row in checked_rows(sample_bytes("en_with_errors.csv"))
    }
    assert rows[5].errors == ["The e-mail craig.white.2@gmail.com is already in row 4."]
    assert rows[7].errors == ["“not-an-email” is not a valid e-mail address."]
    assert rows[9].errors == [
        "The birth date “1985-02-30” is not a valid date (expected yyyy-mm-dd)."
    ]
    assert rows[11].errors == ["The e-mail is missing."]
    assert rows[15].errors == ["The city is too long (5000 characters; at most 120)."]


def test_rows_check_keeps_markup_and_formulas_as_text():
    rows = {
        row.row_number: row for row in checked_rows(sample_bytes("en_with_errors.csv"))
    }
    assert rows[13].ok
    assert rows[13].values["first_name"] == '=HYPERLINK("http://x.example","click")'
    assert rows[14].ok
    assert rows[14].values["last_name"] == "<script>alert(1)</script>"


def test_rows_check_reads_accents_of_each_encoding():
    es = checked_rows(sample_bytes("es_semicolon_bom.csv"))
    it = checked_rows(sample_bytes("it_cp1252.csv"))
    assert es[0].values["first_name"] == "Víctor"
    assert es[0].values["birth_date"] == date(1946, 3, 30)
    assert es[1].values["company_name"] == "Logística Gras y asociados S.A."
    assert it[16].values["region"] == "Forlì-Cesena"
    assert it[48].values["birth_date"] == date(1988, 2, 29)


def test_rows_check_checks_every_kind_of_value():
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    text = (
        "email,country,sex,language,website,birth date,phone\n"
        "ok@example.com,it,Mujer,Português,example.com,1/2/1990,+39 06 000\n"
        "OK2@Example.COM,,,,,,\n"
        f"bad@example.com,Italy,robot,klingon,not a site,{tomorrow},\n"
        "old@example.com,,,,,1800-01-01,\n"
        "long@example.com,,,,,," + "9" * 41 + "\n"
        "extra@example.com,,,,,,,surprise\n"
    )
    rows = checked_rows(text.encode())
    assert rows[0].ok
    assert rows[0].values == {
        "country": "IT",
        "sex": "f",
        "language": "pt",
        "website": "https://example.com",
        "birth_date": date(1990, 2, 1),
        "phone": "+39 06 000",
    }
    assert rows[1].ok
    assert rows[1].email == "ok2@example.com"
    assert rows[1].values == {}
    assert len(rows[2].errors) == 5
    assert "two-letter code" in rows[2].errors[0]
    assert "is in the future" in rows[2].errors[4]
    assert rows[3].errors == ["The birth date 1800-01-01 is too far in the past."]
    assert rows[4].errors == ["The phone is too long (41 characters; at most 40)."]
    assert rows[5].errors == ["This row has 8 values but the file has 7 columns."]


def test_rows_check_counts_rows_as_lines_of_the_file():
    text = 'email,note\n\na@example.com,"two\nlines"\nb@example.com,x\n'
    rows = checked_rows(text.encode())
    assert [row.row_number for row in rows] == [3, 5]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"\n\n  \n", "The file is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This is not a text file."),
        (b"PK\x03\x04\x14\x00\x06\x00", "This looks like a spreadsheet"),
        (b"email,name\n", "The file has a header row but no customers in it."),
        (b"ana@example.com,Ana\nbea@example.com,Bea\n", "The first row must name"),
    ],
)
def test_file_analyse_refuses_unreadable_files(data, message):
    with pytest.raises(importing.UnreadableFile) as error:
        analyse(data)
    assert error.value.message.startswith(message)


def test_file_analyse_refuses_an_encoding_that_does_not_fit():
    data = "email;città\na@example.it;Forlì\n".encode("cp1252")
    with pytest.raises(importing.UnreadableFile) as error:
        analyse(data, encoding="utf-8")
    assert "not in utf-8" in error.value.message
    assert analyse(data, encoding="cp1252").headers == ["email", "città"]


def test_data_rows_count_stops_at_a_row_it_cannot_read():
    stream = csv_bytes("email,note\na@example.com,x\nb@example.com," + "y" * 200_000)
    with pytest.raises(importing.UnreadableFile) as error:
        importing.data_rows_count(stream, encoding="utf-8", delimiter=",")
    assert error.value.message.startswith("Row 3 cannot be read")


def test_csv_cell_safe_neutralises_formulas():
    assert importing.csv_cell_safe("=1+1") == "'=1+1"
    assert importing.csv_cell_safe("+34 600") == "'+34 600"
    assert importing.csv_cell_safe("-x") == "'-x"
    assert importing.csv_cell_safe("@SUM(A1)") == "'@SUM(A1)"
    assert importing.csv_cell_safe("\tx") == "'\tx"
    assert importing.csv_cell_safe("Ana") == "Ana"
