"""Settings for the tests: the production settings, plus a "reports" alias that
mirrors the test database (``TEST["MIRROR"]``), so that a test can prove the
report engine reads through it (``tests/reports/test_replica.py``). Reports use it
only where a test sets ``REPORTS_DATABASE="reports"``; elsewhere they read
``default``, as without ``REPORTS_DATABASE_URL``.
"""

from config.settings import *  # noqa: F403
from config.settings import DATABASES

DATABASES["reports"] = {
    **DATABASES["default"],
    "TEST": {"MIRROR": "default"},
}
REPORTS_DATABASE = ""
