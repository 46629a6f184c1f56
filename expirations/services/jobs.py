"""The daily job: reminders at each configured offset, and expiries; each once.

``expirations_run_due(today=...)`` is what the beat task and ``manage.py
run_expirations`` call, as often as they like. It reads only the rows that have
something due, by expiry-date ranges on the partial index of live expirations, with
the "already settled" check as an anti-join on the events' unique index, and works
in batches, each its own transaction.

Reminders. An offset is days before (positive) or after (negative) the expiry date;
its reminder is due from ``expiry_date - offset`` on. On a given day only the
*latest* due offset is sent (the one whose day is nearest), so after downtime a
customer gets one reminder, not several: the earlier offsets it leaves out are
recorded as skipped and never sent. A reminder for an offset is never sent once
that offset or a later one is settled (sent or skipped) for the same expiry date, a
"before" reminder never once the expiry has passed, and an "after" one at most
``CATCH_UP_DAYS`` late. Everything is keyed by the expiry date, so a renewal (a new
expiry date) re-arms the reminders.

Expiries. The day after the expiry date, a live expiration that was not renewed
(its expiry date did not move) gets its EXPIRED event, one e-mail, and the
``expiration_expired`` signal and the funnel trigger "expiration.expired", once per
expiry date; at most ``CATCH_UP_DAYS`` late.

Each event is inserted with ``ON CONFLICT DO NOTHING ... RETURNING``: only the
transaction that inserted it queues the e-mail (in the same transaction), so two
runs at once still send each reminder once. The SQL is written for PostgreSQL and
SQLite alike, and the tests of this module run on both (``make test-sqlite``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from io import TextIOBase
from typing import Any, TextIO

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.automation_events import automation_event_send
from core.services import email_queue_many
from customers.models import Customer
from expirations.automation import expiration_payload
from expirations.events import expirations_expired_publish
from expirations.models import Expiration, ExpirationEvent, ExpirationSettings
from expirations.services.notifications import expired_email, reminder_email
from expirations.signals import expiration_expired

BATCH_SIZE = 1000
# How late an "after" reminder or an expiry notice may still go out (downtime).
CATCH_UP_DAYS = 14

SETTLED_KINDS = (
    ExpirationEvent.Kind.REMINDER_SENT,
    ExpirationEvent.Kind.REMINDER_SKIPPED,
)


@dataclass
class ExpirationsRunReport:
    """What a run did; ``sent`` lists each e-mail as a line for the command."""

    today: date
    reminders_sent: int = 0
    reminders_skipped: int = 0
    expired: int = 0
    per_offset: dict[int, int] = field(default_factory=dict)
    sent: list[str] = field(default_factory=list)

    @property
    def nothing_done(self) -> bool:
        return not (self.reminders_sent or self.reminders_skipped or self.expired)


@dataclass(frozen=True)
class OffsetWindow:
    """The days left (expiry date - today) on which ``offset`` is the latest due."""

    offset: int
    fewest_days_left: int
    most_days_left: int

    def expiry_range(self, today: date) -> tuple[date, date]:
        return (
            today + timedelta(days=self.fewest_days_left),
            today + timedelta(days=self.most_days_left),
        )


def offset_windows(offsets: Iterable[int]) -> list[OffsetWindow]:
    """For each offset, the days left on which its reminder is the one to send.

    With offsets 30, 7, 1, -3: 30 for 8..30 days left, 7 for 2..7, 1 for 0..1,
    -3 for -3-CATCH_UP_DAYS..-3; nothing between -2 and -1 (a "before" reminder
    makes no sense any more, the "after" one is not due yet).
    """
    ordered = sorted(set(offsets), reverse=True)
    windows = []
    for index, offset in enumerate(ordered):
        if index + 1 < len(ordered):
            fewest = ordered[index + 1] + 1
        else:
            fewest = offset - CATCH_UP_DAYS
        if offset >= 0:
            fewest = max(fewest, 0)
        if fewest <= offset:
            windows.append(OffsetWindow(offset, fewest, offset))
    return windows


def offset_window(windows: list[OffsetWindow], days_left: int) -> OffsetWindow | None:
    """The window whose offset is the one to send with ``days_left`` days left."""
    for window in windows:
        if window.fewest_days_left <= days_left <= window.most_days_left:
            return window
    return None


def offset_label(offset: int) -> str:
    """ "7 days before", "3 days after", "on the expiry day"."""
    if offset == 0:
        return _("on the expiry day")
    days = abs(offset)
    if offset > 0:
        return ngettext("%(days)d day before", "%(days)d days before", days) % {
            "days": days
        }
    return ngettext("%(days)d day after", "%(days)d days after", days) % {"days": days}


def _progress(stdout: TextIO | TextIOBase | None, message: str) -> None:
    if stdout is not None:
        stdout.write(message + "\n")
        stdout.flush()


def _batches(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), BATCH_SIZE):
        yield ids[start : start + BATCH_SIZE]


def _settled_from(offset: int):
    """Reminder events of the row's expiry date for ``offset`` or a later offset."""
    return ExpirationEvent.objects.filter(
        expiration_id=OuterRef("pk"),
        expiry_date=OuterRef("expiry_date"),
        kind__in=SETTLED_KINDS,
        offset_days__lte=offset,
    )


def reminders_due(window: OffsetWindow, today: date) -> list[int]:
    """Ids of the live expirations whose ``window.offset`` reminder is due today."""
    first, last = window.expiry_range(today)
    return list(
        Expiration.objects.filter(
            is_cancelled=False, expiry_date__gte=first, expiry_date__lte=last
        )
        .filter(~Exists(_settled_from(window.offset)))
        .order_by("expiry_date", "id")
        .values_list("id", flat=True)
    )


def expiries_due(today: date) -> list[int]:
    """Ids of the live expirations that ran out and are not recorded as expired."""
    first = today - timedelta(days=CATCH_UP_DAYS + 1)
    last = today - timedelta(days=1)
    recorded = ExpirationEvent.objects.filter(
        expiration_id=OuterRef("pk"),
        expiry_date=OuterRef("expiry_date"),
        kind=ExpirationEvent.Kind.EXPIRED,
    )
    return list(
        Expiration.objects.filter(
            is_cancelled=False, expiry_date__gte=first, expiry_date__lte=last
        )
        .filter(~Exists(recorded))
        .order_by("expiry_date", "id")
        .values_list("id", flat=True)
    )


_EVENT_TABLE = ExpirationEvent._meta.db_table
_EXPIRATION_TABLE = Expiration._meta.db_table

# The statements below run on PostgreSQL and on SQLite (the embedded default): lists
# go in as one placeholder per value (``IN (...)``, not ``= ANY(array)``), the time
# as a parameter (SQLite has no ``now()``), and ``ON CONFLICT DO NOTHING ...
# RETURNING`` is spelled the same by both (SQLite 3.35 and later). ``{ids}``,
# ``{settled}`` and ``{offsets}`` are filled with placeholders by ``_sql()``.

# Inserts the event for the rows still matching (not cancelled, expiry date in the
# range, nothing settled from this offset on) and returns those it inserted.
_REMINDER_INSERT = f"""
INSERT INTO {_EVENT_TABLE}
    (expiration_id, customer_id, kind, note, expiry_date, offset_days, created_at)
SELECT e.id, e.customer_id, %(kind)s, '', e.expiry_date, %(offset)s, %(now)s
FROM {_EXPIRATION_TABLE} e
WHERE e.id IN ({{ids}})
  AND NOT e.is_cancelled
  AND e.expiry_date BETWEEN %(first)s AND %(last)s
  AND NOT EXISTS (
    SELECT 1 FROM {_EVENT_TABLE} s
    WHERE s.expiration_id = e.id AND s.expiry_date = e.expiry_date
      AND s.kind IN ({{settled}}) AND s.offset_days <= %(offset)s
  )
ON CONFLICT DO NOTHING
RETURNING expiration_id, expiry_date
"""  # noqa: S608 - only the models' table names and placeholders are formatted in

# The earlier offsets, left out: recorded so they are never sent for this date.
_SKIPPED_INSERT = f"""
INSERT INTO {_EVENT_TABLE}
    (expiration_id, customer_id, kind, note, expiry_date, offset_days, created_at)
SELECT e.id, e.customer_id, %(kind)s, '', e.expiry_date, skipped.offset_days, %(now)s
FROM {_EXPIRATION_TABLE} e
CROSS JOIN ({{offsets}}) AS skipped
WHERE e.id IN ({{ids}})
ON CONFLICT DO NOTHING
"""  # noqa: S608

_EXPIRED_INSERT = f"""
INSERT INTO {_EVENT_TABLE}
    (expiration_id, customer_id, kind, note, expiry_date, created_at)
SELECT e.id, e.customer_id, %(kind)s, '', e.expiry_date, %(now)s
FROM {_EXPIRATION_TABLE} e
WHERE e.id IN ({{ids}})
  AND NOT e.is_cancelled
  AND e.expiry_date BETWEEN %(first)s AND %(last)s
ON CONFLICT DO NOTHING
RETURNING expiration_id
"""  # noqa: S608


def _sql(
    template: str, params: dict[str, Any], **lists: Sequence[Any]
) -> tuple[str, dict[str, Any]]:
    """``template`` with one named placeholder per value of each list, and the
    parameters: the statement and its values, the same on both databases.

    ``offsets`` becomes a one-column table (``offset_days``), every other list the
    inside of an ``IN (...)``.
    """
    params = dict(params)
    filled = {}
    for name, values in lists.items():
        if not values:
            raise ValueError(f"{name}: an empty list has no SQL.")
        keys = [f"{name}_{index}" for index in range(len(values))]
        params.update(zip(keys, values, strict=True))
        if name == "offsets":
            filled[name] = " UNION ALL ".join(
                f"SELECT CAST(%({key})s AS integer) AS offset_days" for key in keys
            )
        else:
            filled[name] = ", ".join(f"%({key})s" for key in keys)
    return template.format(**filled), params


def _now() -> Any:
    """The time the events are created at, as the database takes it."""
    return connection.ops.adapt_datetimefield_value(timezone.now())


def _recipients(ids: list[int]) -> dict[int, Expiration]:
    """The expirations with what their e-mails need, in two primary-key queries
    (no join, so the plan does not depend on the tables' statistics)."""
    expirations = (
        Expiration.objects.filter(pk__in=ids)
        .select_related("product")
        .only(
            "item",
            "expiry_date",
            "customer_id",
            "quantity",
            "amount",  # for the webhooks' expiration.expired
            "product__name",
            "product__name_translations",  # the name in the customer's language
        )
        .order_by()
        .in_bulk()
    )
    customers = (
        Customer.objects.filter(pk__in={e.customer_id for e in expirations.values()})
        .only("email", "first_name", "last_name", "language")
        .order_by()
        .in_bulk()
    )
    for expiration in expirations.values():
        expiration.customer = customers[expiration.customer_id]
    return expirations


def _sent_line(kind: str, expiration: Expiration) -> str:
    return _("%(kind)s: %(customer)s, %(item)s, expiry %(expiry)s") % {
        "kind": kind,
        "customer": expiration.customer.email or expiration.customer_id,
        "item": expiration.label,
        "expiry": expiration.expiry_date.isoformat(),
    }


@transaction.atomic(durable=True)
def _reminder_batch(
    window: OffsetWindow,
    earlier_offsets: list[int],
    ids: list[int],
    today: date,
    report: ExpirationsRunReport,
) -> None:
    first, last = window.expiry_range(today)
    now = _now()
    with connection.cursor() as cursor:
        cursor.execute(
            *_sql(
                _REMINDER_INSERT,
                {
                    "kind": str(ExpirationEvent.Kind.REMINDER_SENT),
                    "offset": window.offset,
                    "first": first,
                    "last": last,
                    "now": now,
                },
                ids=ids,
                settled=[str(kind) for kind in SETTLED_KINDS],
            )
        )
        inserted = [row[0] for row in cursor.fetchall()]
        if inserted and earlier_offsets:
            cursor.execute(
                *_sql(
                    _SKIPPED_INSERT,
                    {"kind": str(ExpirationEvent.Kind.REMINDER_SKIPPED), "now": now},
                    offsets=earlier_offsets,
                    ids=inserted,
                )
            )
            report.reminders_skipped += cursor.rowcount
    expirations = _recipients(inserted)
    label = _("reminder %(when)s") % {"when": offset_label(window.offset)}
    emails = []
    for expiration_id in inserted:
        expiration = expirations[expiration_id]
        emails.append(
            reminder_email(expiration=expiration, offset=window.offset, today=today)
        )
        report.sent.append(_sent_line(label, expiration))
    email_queue_many(email for email in emails if email is not None)
    report.reminders_sent += len(inserted)
    report.per_offset[window.offset] = report.per_offset.get(window.offset, 0) + len(
        inserted
    )


@transaction.atomic(durable=True)
def _expiry_batch(ids: list[int], today: date, report: ExpirationsRunReport) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            *_sql(
                _EXPIRED_INSERT,
                {
                    "kind": str(ExpirationEvent.Kind.EXPIRED),
                    "first": today - timedelta(days=CATCH_UP_DAYS + 1),
                    "last": today - timedelta(days=1),
                    "now": _now(),
                },
                ids=ids,
            )
        )
        inserted = [row[0] for row in cursor.fetchall()]
    expirations = _recipients(inserted)
    label = _("expired")
    emails = []
    for expiration_id in inserted:
        expiration = expirations[expiration_id]
        emails.append(expired_email(expiration=expiration))
        expiration_expired.send(sender=Expiration, expiration=expiration)
        automation_event_send(
            "expiration.expired",
            customer_id=expiration.customer_id,
            entry_key=f"expiration:{expiration.pk}:{expiration.expiry_date}",
            payload=expiration_payload(
                expiration.pk, expiration.expiry_date, expiration.product_id
            ),
        )
        report.sent.append(_sent_line(label, expiration))
    expirations_expired_publish(expirations[pk] for pk in inserted)
    email_queue_many(email for email in emails if email is not None)
    report.expired += len(inserted)


def expirations_run_due(
    today: date, *, stdout: TextIO | TextIOBase | None = None
) -> ExpirationsRunReport:
    """Sends the reminders and records the expiries due on ``today``; idempotent.

    Top-level: it commits batch by batch, so it must not run inside a transaction.
    ``stdout``, if given, receives a line of progress per batch.
    """
    report = ExpirationsRunReport(today=today)
    ids = expiries_due(today)
    _progress(stdout, _("Expiries due: %(count)d") % {"count": len(ids)})
    for done, batch in enumerate(_batches(ids), start=1):
        _expiry_batch(batch, today, report)
        _progress(
            stdout,
            _("  expiries: batch %(done)d, %(count)d recorded")
            % {"done": done, "count": report.expired},
        )
    offsets = ExpirationSettings.load().reminder_offsets
    for window in offset_windows(offsets):
        earlier_offsets = [offset for offset in offsets if offset > window.offset]
        ids = reminders_due(window, today)
        _progress(
            stdout,
            _("Reminders due %(when)s: %(count)d")
            % {"when": offset_label(window.offset), "count": len(ids)},
        )
        report.per_offset.setdefault(window.offset, 0)
        for done, batch in enumerate(_batches(ids), start=1):
            _reminder_batch(window, earlier_offsets, batch, today, report)
            _progress(
                stdout,
                _("  %(when)s: batch %(done)d, %(count)d sent")
                % {
                    "when": offset_label(window.offset),
                    "done": done,
                    "count": report.per_offset[window.offset],
                },
            )
    return report
