"""Demo data of the expirations module, added by ``manage.py seed_demo``.

``demo_expirations_seed`` runs after the customers, their ledgers and the shop's
demo catalog (``core.plugins.demo_seeders``) and adds:

- a few provenances and bank institutes (found by name);
- for each demo customer with a login (customer@example.com), three services of
  the catalog: one expiring within the week (so "My expirations" shows a Renew
  button and the dashboard's "Upcoming renewals" a row), one active for months, one
  that expired a month ago; each is found by its product's name, so a second run
  adds nothing;
- for about one other demo customer in ten, one to three services with expiry dates
  from a year ago to a year ahead, their history (created, renewed, cancelled) as
  events. Only customers with no expiration are picked, so a second run adds none;
- today's calls and tasks about a few of the week's renewals, through the customers'
  action service (which keeps ``Customer.last_call_at``), so "To do today" shows
  rows; added again on a later day, once a day.

Rows are written in bulk, not through the services: ``COPY`` on PostgreSQL, one
``executemany`` per batch elsewhere; a batch of customers per transaction, with
their rows locked.
"""

from __future__ import annotations

import calendar
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as day_time
from decimal import Decimal
from functools import cached_property
from typing import cast

from django.db import connection, models, transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.db.models.functions import Mod
from django.utils import timezone

from customers.models import Customer, CustomerAction
from customers.services.history import action_create
from expirations.models import BankInstitute, Expiration, ExpirationEvent, Provenance
from expirations.widgets import upcoming_renewals
from selling.models import Product

# About one customer in ten: (id * HASH_MULTIPLIER + seed + SALT) mod 1000 below it.
EXPIRATIONS_PER_MILLE = 100
HASH_MULTIPLIER = 2_654_435_761
SALT = 500  # not the customers the balance's demo picks (the same hash, no salt)
BATCH_CUSTOMERS = 5_000
EXPIRY_SPAN = (-365, 365)  # days from today
UPCOMING_DAYS = 7
# Of the picked customers' first services, those due within the week (per thousand),
# and how many the week has at least after a run, besides the login customers' (small
# demos show rows too).
UPCOMING_PER_MILLE = 20
UPCOMING_AT_LEAST = 6
CANCELLED_PER_MILLE = 40
TODO_CALLS = 3
TODO_TASKS = 3
OFFICE_OPENS = day_time(9)

DEMO_PROVENANCES = ("Website", "Trade fair", "Reseller", "Phone campaign", "Referral")
DEMO_BANK_INSTITUTES = ("Demo Bank", "Northern Savings Bank", "City Credit Union")
# What expires when it is not a catalog product: item, period, unit, price.
DEMO_ITEMS = (
    ("Business e-mail (5 mailboxes)", 1, Product.PeriodUnit.YEARS, "60.00"),
    ("Cloud backup 100 GB", 1, Product.PeriodUnit.YEARS, "84.00"),
    ("Accounting software licence", 1, Product.PeriodUnit.YEARS, "240.00"),
    ("Alarm system maintenance", 6, Product.PeriodUnit.MONTHS, "95.00"),
)


@dataclass(frozen=True)
class DemoService:
    """Something that expires: a catalog product, or a free-text item."""

    label: str
    period: int
    unit: str
    price: Decimal
    product_id: int | None = None

    @cached_property
    def period_days(self) -> int:
        """The length of one period, in days (a year: 366 at most)."""
        reference = date(2025, 1, 1)
        return (reference - periods_before(reference, self.period, self.unit)).days


@dataclass(frozen=True)
class LoginCustomerService:
    """One of the services of a customer with a login, by product name."""

    product_name: str
    days_left: int
    renewals: int


LOGIN_CUSTOMER_SERVICES = (
    LoginCustomerService("Annual support contract", days_left=5, renewals=2),
    LoginCustomerService("Website hosting", days_left=240, renewals=1),
    LoginCustomerService("Monthly maintenance", days_left=-30, renewals=4),
)


@dataclass
class DemoEvent:
    kind: str
    expiry_date: date
    created_at: datetime
    previous_expiry_date: date | None = None
    note: str = ""


@dataclass
class DemoExpiration:
    customer_id: int
    service: DemoService
    quantity: int
    start_date: date
    expiry_date: date
    renewal_count: int
    last_renewed_on: date | None
    is_cancelled: bool
    provenance_id: int | None
    bank_institute_id: int | None
    events: list[DemoEvent] = field(default_factory=list)

    @property
    def amount(self) -> Decimal:
        return self.service.price * self.quantity


EXPIRATION_COLUMNS = (
    "customer_id",
    "product_id",
    "item",
    "quantity",
    "amount",
    "notes",
    "start_date",
    "expiry_date",
    "provenance_id",
    "bank_institute_id",
    "anchor_day",
    "is_cancelled",
    "renewal_count",
    "last_renewed_on",
    "created_at",
    "updated_at",
)
EVENT_COLUMNS = (
    "expiration_id",
    "customer_id",
    "kind",
    "note",
    "expiry_date",
    "previous_expiry_date",
    "created_at",
)


# --- Dates ---


def periods_before(day: date, count: int, unit: str) -> date:
    """``day`` moved back by ``count`` periods (months and years keep the day of the
    month where the target month has it, else its last day)."""
    if unit == Product.PeriodUnit.DAYS:
        return day - timedelta(days=count)
    if unit == Product.PeriodUnit.WEEKS:
        return day - timedelta(weeks=count)
    months = count * 12 if unit == Product.PeriodUnit.YEARS else count
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Clock:
    """Today and now, in the business time zone: the history is never later."""

    today: date
    now: datetime

    @classmethod
    def current(cls) -> Clock:
        now = timezone.localtime()
        return cls(now.date(), now)

    def moment(self, day: date, rng: random.Random) -> datetime:
        """A time in office hours on ``day``, at the latest now."""
        moment = datetime.combine(
            day, OFFICE_OPENS, tzinfo=self.now.tzinfo
        ) + timedelta(minutes=rng.randrange(9 * 60))
        return min(moment, self.now)


# --- One customer's services ---


def demo_expiration(
    customer_id: int,
    service: DemoService,
    *,
    expiry_date: date,
    renewals: int,
    clock: Clock,
    rng: random.Random,
    cancellable: bool = True,
    provenance_ids: Sequence[int] = (),
    bank_institute_ids: Sequence[int] = (),
) -> DemoExpiration:
    """A service expiring on ``expiry_date`` after ``renewals`` renewals, with its
    history: created one period per renewal (plus one) before, each renewal paid a
    few days before the expiry it moved, never after today (``expiry_date`` is at
    most one period ahead)."""
    expiries = [
        periods_before(expiry_date, count, service.unit)
        for count in range(renewals * service.period, -1, -service.period)
    ]
    start_date = periods_before(expiries[0], service.period, service.unit)
    created_at = clock.moment(min(start_date, clock.today), rng)
    events = [DemoEvent(ExpirationEvent.Kind.CREATED, expiries[0], created_at)]
    last_renewed_on = None
    for previous, expiry in zip(expiries, expiries[1:], strict=False):
        paid_on = max(previous - timedelta(days=rng.randrange(1, 21)), start_date)
        paid_on = min(paid_on, clock.today)
        events.append(
            DemoEvent(
                ExpirationEvent.Kind.RENEWED,
                expiry,
                clock.moment(paid_on, rng),
                previous_expiry_date=previous,
            )
        )
        last_renewed_on = paid_on
    is_cancelled = cancellable and rng.randrange(1000) < CANCELLED_PER_MILLE
    if is_cancelled:
        last_event = max(event.created_at for event in events)
        cancelled_on = min(
            clock.today, last_event.date() + timedelta(days=rng.randrange(1, 60))
        )
        events.append(
            DemoEvent(
                ExpirationEvent.Kind.CANCELLED,
                expiry_date,
                max(clock.moment(cancelled_on, rng), last_event),
                note="The customer no longer needs it.",
            )
        )
    return DemoExpiration(
        customer_id=customer_id,
        service=service,
        quantity=rng.choice((1, 1, 1, 1, 2, 3)) if service.product_id is None else 1,
        start_date=start_date,
        expiry_date=expiry_date,
        renewal_count=len(expiries) - 1,
        last_renewed_on=last_renewed_on,
        is_cancelled=is_cancelled,
        provenance_id=(
            rng.choice(provenance_ids)
            if provenance_ids and rng.random() < 0.7
            else None
        ),
        bank_institute_id=(
            rng.choice(bank_institute_ids)
            if bank_institute_ids and rng.random() < 0.6
            else None
        ),
        events=events,
    )


def demo_customer_expirations(
    customer_id: int,
    *,
    seed: int,
    clock: Clock,
    services: Sequence[DemoService],
    upcoming: bool,
    provenance_ids: Sequence[int] = (),
    bank_institute_ids: Sequence[int] = (),
) -> list[DemoExpiration]:
    """One to three services of a picked customer, the same for the same customer,
    seed and day; with ``upcoming`` the first expires within the week."""
    rng = random.Random(f"{seed}:expirations:{customer_id}")
    draw = rng.random()
    count = 1 if draw < 0.6 else 2 if draw < 0.9 else 3
    upcoming = upcoming or rng.randrange(1000) < UPCOMING_PER_MILLE
    rows = []
    for index in range(count):
        service = rng.choice(services)
        if upcoming and index == 0:
            days_left = rng.randrange(UPCOMING_DAYS)
        else:
            # Paid up to one period ahead at most: a monthly service expires within
            # the month, a yearly one within the year.
            first, last = EXPIRY_SPAN
            days_left = rng.randint(first, min(last, service.period_days))
        rows.append(
            demo_expiration(
                customer_id,
                service,
                expiry_date=clock.today + timedelta(days=days_left),
                renewals=rng.choice((0, 0, 1, 1, 2, 3)),
                clock=clock,
                rng=rng,
                cancellable=not (upcoming and index == 0),
                provenance_ids=provenance_ids,
                bank_institute_ids=bank_institute_ids,
            )
        )
    return rows


# --- Writing ---


def _prepared(model: type[models.Model], columns: Sequence[str], row: tuple):
    fields = [cast(models.Field, model._meta.get_field(column)) for column in columns]
    return tuple(
        model_field.get_db_prep_save(value, connection)
        for model_field, value in zip(fields, row, strict=True)
    )


def rows_insert(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple]
) -> int:
    """Inserts rows (tuples of ``columns``) in the order given, the ids ascending in
    that order: ``COPY`` on PostgreSQL, ``executemany`` elsewhere."""
    rows = list(rows)
    if not rows:
        return 0
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({placeholders})",  # noqa: S608
                [_prepared(model, columns, row) for row in rows],
            )
    return len(rows)


def _expiration_row(expiration: DemoExpiration) -> tuple:
    service = expiration.service
    history = [event.created_at for event in expiration.events]
    return (
        expiration.customer_id,
        service.product_id,
        "" if service.product_id else service.label,
        expiration.quantity,
        expiration.amount,
        "",
        expiration.start_date,
        expiration.expiry_date,
        expiration.provenance_id,
        expiration.bank_institute_id,
        expiration.expiry_date.day,
        expiration.is_cancelled,
        expiration.renewal_count,
        expiration.last_renewed_on,
        min(history),
        max(history),
    )


def demo_expirations_write(
    expirations: Sequence[DemoExpiration], *, customers_had_none: bool = False
) -> tuple[int, int]:
    """Writes the expirations, then their events; returns how many of each.

    Runs in the caller's transaction, which holds the customers' rows locked (FOR
    UPDATE, so nobody adds an expiration to them meanwhile): the new rows are the
    customers' rows that were not there before, in id order.
    ``customers_had_none`` says the caller checked they had none, under the lock.
    """
    if not expirations:
        return 0, 0
    customer_ids = sorted({expiration.customer_id for expiration in expirations})
    before = (
        set()
        if customers_had_none
        else set(
            Expiration.objects.filter(customer_id__in=customer_ids).values_list(
                "pk", flat=True
            )
        )
    )
    written = rows_insert(
        Expiration, EXPIRATION_COLUMNS, map(_expiration_row, expirations)
    )
    new_ids = [
        pk
        for pk in Expiration.objects.filter(customer_id__in=customer_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
        if pk not in before
    ]
    events = [
        (
            pk,
            expiration.customer_id,
            event.kind,
            event.note,
            event.expiry_date,
            event.previous_expiry_date,
            event.created_at,
        )
        for pk, expiration in zip(new_ids, expirations, strict=True)
        for event in expiration.events
    ]
    return written, rows_insert(ExpirationEvent, EVENT_COLUMNS, events)


# --- What the demo is made of ---


def named_choices_ensure(model, names: Sequence[str]) -> list[int]:
    """The ids of the named provenances or bank institutes, created if missing;
    archived ones are left out."""
    ids = []
    for name in names:
        choice, _created = model.objects.get_or_create(name=name)
        if not choice.is_archived:
            ids.append(choice.pk)
    return ids


def demo_services() -> list[DemoService]:
    """The catalog's active services, and the free-text items."""
    products = Product.objects.filter(
        is_active=True, renewal_period__isnull=False
    ).exclude(renewal_unit="")
    return [
        *(
            DemoService(
                product.name,
                cast(int, product.renewal_period),
                product.renewal_unit,
                product.price,
                product.pk,
            )
            for product in products.order_by("pk")
        ),
        *(
            DemoService(label, period, unit, Decimal(price))
            for label, period, unit, price in DEMO_ITEMS
        ),
    ]


def _without_expirations(customers: QuerySet[Customer]) -> QuerySet[Customer]:
    return customers.exclude(
        Exists(Expiration.objects.filter(customer_id=OuterRef("pk")))
    )


def _picked_ids(customers: QuerySet[Customer], seed: int) -> Iterator[list[int]]:
    """Batches of the ids to give services: one in ten, without a login."""
    picked = (
        _without_expirations(customers.filter(user__isnull=True))
        .annotate(pick=Mod(F("pk") * HASH_MULTIPLIER + seed + SALT, 1000))
        .filter(pick__lt=EXPIRATIONS_PER_MILLE)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    last = 0
    while batch := list(picked.filter(pk__gt=last)[:BATCH_CUSTOMERS]):
        yield batch
        last = batch[-1]


def login_customers_seed(
    customers: QuerySet[Customer],
    *,
    seed: int,
    clock: Clock,
    provenance_ids: Sequence[int],
    bank_institute_ids: Sequence[int],
) -> int:
    """The services of ``LOGIN_CUSTOMER_SERVICES`` each customer with a login lacks
    (by product name); returns how many were added."""
    products = {
        product.name: product
        for product in Product.objects.filter(
            name__in=[service.product_name for service in LOGIN_CUSTOMER_SERVICES],
            is_active=True,
            renewal_period__isnull=False,
        ).exclude(renewal_unit="")
    }
    added = 0
    for customer_id in customers.filter(user__isnull=False).values_list(
        "pk", flat=True
    ):
        rng = random.Random(f"{seed}:expirations:{customer_id}")
        with transaction.atomic():
            list(Customer.objects.select_for_update().filter(pk=customer_id))
            has = set(
                Expiration.objects.filter(customer_id=customer_id).values_list(
                    "product__name", flat=True
                )
            )
            planned = [
                demo_expiration(
                    customer_id,
                    DemoService(
                        product.name,
                        cast(int, product.renewal_period),
                        product.renewal_unit,
                        product.price,
                        product.pk,
                    ),
                    expiry_date=clock.today + timedelta(days=service.days_left),
                    renewals=service.renewals,
                    clock=clock,
                    rng=rng,
                    cancellable=False,
                    provenance_ids=provenance_ids[:1],
                    bank_institute_ids=bank_institute_ids[:1],
                )
                for service in LOGIN_CUSTOMER_SERVICES
                if (product := products.get(service.product_name)) is not None
                and product.name not in has
            ]
            added += demo_expirations_write(planned)[0]
    return added


def todo_today_seed(customers: QuerySet[Customer], *, today: date) -> int:
    """Calls and tasks due today about the week's first renewals of customers
    without a login, unless today's are there; returns how many were added."""
    due = list(
        upcoming_renewals(today)
        .filter(customer__in=customers.filter(user__isnull=True))
        .select_related("customer", "product")
        .order_by("expiry_date", "pk")[: TODO_CALLS + TODO_TASKS]
    )
    wanted = [
        (
            expiration.customer,
            CustomerAction.Kind.CALL
            if index < TODO_CALLS
            else CustomerAction.Kind.TASK,
            (
                f"Call about the renewal of {expiration.label}"
                if index < TODO_CALLS
                else f"Send the renewal quote for {expiration.label}"
            ),
        )
        for index, expiration in enumerate(due)
    ]
    added = 0
    for customer, kind, title in wanted:
        if CustomerAction.objects.filter(
            customer=customer, title=title, due_date=today
        ).exists():
            continue
        action_create(
            customer=customer, actor=None, title=title, kind=kind, due_date=today
        )
        added += 1
    return added


def _analyze() -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (Expiration, ExpirationEvent):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def demo_expirations_seed(
    customers: QuerySet[Customer], *, seed: int, log: Callable[[str], None]
) -> int:
    """The module's demo data (see the module's docstring); returns the expirations
    added (0 on a second run)."""
    started = time.monotonic()
    clock = Clock.current()
    today = clock.today
    provenance_ids = named_choices_ensure(Provenance, DEMO_PROVENANCES)
    bank_institute_ids = named_choices_ensure(BankInstitute, DEMO_BANK_INSTITUTES)
    added = login_customers_seed(
        customers,
        seed=seed,
        clock=clock,
        provenance_ids=provenance_ids,
        bank_institute_ids=bank_institute_ids,
    )
    events = 0
    services = demo_services()
    upcoming_missing = (
        UPCOMING_AT_LEAST
        - upcoming_renewals(today).filter(customer__user__isnull=True).count()
    )
    for batch in _picked_ids(customers, seed):
        with transaction.atomic():
            # Locked, and checked again: a customer given one meanwhile is left.
            locked = list(
                _without_expirations(Customer.objects.filter(pk__in=batch))
                .select_for_update()
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            planned = []
            for customer_id in locked:
                planned.extend(
                    demo_customer_expirations(
                        customer_id,
                        seed=seed,
                        clock=clock,
                        services=services,
                        upcoming=upcoming_missing > 0,
                        provenance_ids=provenance_ids,
                        bank_institute_ids=bank_institute_ids,
                    )
                )
                upcoming_missing -= 1
            written, written_events = demo_expirations_write(
                planned, customers_had_none=True
            )
        added += written
        events += written_events
        log(
            f"Expirations: {added:,} with {events:,} events "
            f"({time.monotonic() - started:.0f} s)"
        )
    if added:
        _analyze()
    actions = todo_today_seed(customers, today=today)
    log(f"Expirations: {added:,} expirations and {actions} actions due today added.")
    return added
