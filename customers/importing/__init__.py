"""Reading customer CSV files: pure parsing and checking, no database.

The wizard, the background job and ``manage.py import_customers`` all read files
through this package, so they agree on what a file says and what is wrong with a
row. Writes are in ``customers.services.imports``.

- ``reading``: the encoding, the delimiter, the header and the rows of a file.
- ``fields``: the customer fields a column can fill, and the column names (English,
  Spanish, Italian, Portuguese) that propose them.
- ``dates``: ISO dates, and dd/mm/yyyy or mm/dd/yyyy as detected.
- ``checking``: each row's values for the customer, or why it is refused.
"""

from customers.importing.checking import (
    RowChecker,
    RowResult,
    csv_cell_safe,
    rows_check,
)
from customers.importing.dates import (
    DATE_DMY,
    DATE_FORMATS,
    DATE_ISO,
    DATE_MDY,
    date_format_detect,
    date_parse,
)
from customers.importing.fields import (
    FIELDS,
    FIELDS_BY_NAME,
    ImportField,
    header_normalize,
    mapping_problems,
    mapping_propose,
)
from customers.importing.reading import (
    DELIMITER_NAMES,
    DELIMITERS,
    ENCODING_NAMES,
    Analysis,
    UnreadableFile,
    batched,
    column_samples,
    data_rows,
    data_rows_count,
    delimiter_detect,
    encoding_detect,
    file_analyse,
    records_read,
    shown,
)

__all__ = [
    "DATE_DMY",
    "DATE_FORMATS",
    "DATE_ISO",
    "DATE_MDY",
    "DELIMITERS",
    "DELIMITER_NAMES",
    "ENCODING_NAMES",
    "FIELDS",
    "FIELDS_BY_NAME",
    "Analysis",
    "ImportField",
    "RowChecker",
    "RowResult",
    "UnreadableFile",
    "batched",
    "column_samples",
    "csv_cell_safe",
    "data_rows",
    "data_rows_count",
    "date_format_detect",
    "date_parse",
    "delimiter_detect",
    "encoding_detect",
    "file_analyse",
    "header_normalize",
    "mapping_problems",
    "mapping_propose",
    "records_read",
    "rows_check",
    "shown",
]
