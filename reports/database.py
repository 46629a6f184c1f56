"""Where report queries run: the read replica when there is one.

``settings.REPORTS_DATABASE`` names the replica's alias ("reports" when
``REPORTS_DATABASE_URL`` is set, else empty). Inside ``with reports_database():``
every read goes to it through ``ReportsRouter``; writes, and reads outside the
block (saved reports, the session, the user), stay on ``default``. The engine's
``report_compute`` enters the block itself, so the page, the exports, the pinned
reports, ``manage.py report`` and the scheduled e-mails all read the replica; code
that reads report data outside ``report_compute`` wraps itself in the block too.
A replica lags the primary a little: a report may miss the last second's rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

REPORTS_ALIAS = "reports"

_reading_on: ContextVar[str | None] = ContextVar("reports_reading_on", default=None)


def reports_database_alias() -> str:
    """The alias report queries read: the replica's, or ``default``."""
    alias = getattr(settings, "REPORTS_DATABASE", "")
    return alias if alias and alias in settings.DATABASES else DEFAULT_DB_ALIAS


@contextmanager
def reports_database() -> Iterator[str]:
    """Run the reads of the block on the reports database; yields its alias.

    Nested blocks keep the outer one's alias. Per thread and per task
    (a ``ContextVar``), so a request computing a report does not move another
    request's reads.
    """
    alias = reports_database_alias()
    token = _reading_on.set(alias)
    try:
        yield alias
    finally:
        _reading_on.reset(token)


class ReportsRouter:
    """Reads inside ``reports_database()`` go to its alias; nothing else moves."""

    def db_for_read(self, model, **hints) -> str | None:
        return _reading_on.get()

    def db_for_write(self, model, **hints) -> str | None:
        return None

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        # A replica holds the same rows as the primary: an object read on one
        # may point to one read on the other.
        aliases = {DEFAULT_DB_ALIAS, REPORTS_ALIAS}
        if {obj1._state.db, obj2._state.db} <= aliases:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool | None:
        # The replica follows the primary's schema: never migrated itself.
        if db == REPORTS_ALIAS:
            return False
        return None
