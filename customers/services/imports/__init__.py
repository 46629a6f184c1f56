"""Importing customers from a CSV file: the job, its mapping, and the batched run.

The file is read and checked by ``customers.importing`` (pure); this package writes.
A job goes UPLOADED (file stored, mapping proposed) → QUEUED (the person chose how
to treat existing customers) → RUNNING → DONE, or FAILED if it broke.

- ``jobs``: create, map, start and run a job (resumable, one worker per job);
- ``writes``: one batch's inserts, updates and events, in one transaction;
- ``checks``: what an import would do without writing, the sample rows, the
  refused rows as CSV.
"""

from customers.services.imports.checks import (
    ImportCheck,
    import_check,
    import_job_check,
    import_job_error_rows,
    import_job_sample,
)
from customers.services.imports.jobs import (
    import_job_create,
    import_job_map,
    import_job_run,
    import_job_start,
)
from customers.services.imports.writes import (
    IMPORT_SOURCE,
    ImportInterrupted,
    customers_by_email,
)

__all__ = [
    "IMPORT_SOURCE",
    "ImportCheck",
    "ImportInterrupted",
    "customers_by_email",
    "import_check",
    "import_job_check",
    "import_job_create",
    "import_job_error_rows",
    "import_job_map",
    "import_job_run",
    "import_job_sample",
    "import_job_start",
]
