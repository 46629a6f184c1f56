"""Demo data: realistic customers in several languages, and the demo logins.

Customers are numbered 1..N and a customer's data depends only on its number and the
seed, so running the command again adds the numbers that are missing and nothing else.
Faker builds small pools per locale once (names, places, streets, companies); rows are
then drawn from the pools with a seeded ``random.Random``: Faker per row is far too slow
for a million rows. On PostgreSQL rows go in through ``COPY``; elsewhere (SQLite, the
default database) through ``bulk_create``.

The demo customers also get tags and newsletter subscriptions, and each installed
module adds its own demo data through ``core.plugins.demo_seeders`` (the balance: a
ledger history for about one customer in ten). Each of these is decided per customer
from the seed and the customer's id, and only given to customers that have none yet,
so a second run adds nothing.
"""

from __future__ import annotations

import random
import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from faker import Faker

from core import plugins
from core.services import staff_groups_sync
from customers.models import Customer, NewsletterList, Subscription, Tag
from customers.search import SEARCH_TEXT_SOURCES, customer_search_text
from customers.services import customer_create, customer_login_set_password

DEMO_PASSWORD = "demo-password-2026"
ADMIN_EMAIL = "admin@example.com"
STAFF_EMAIL = "staff@example.com"
CUSTOMER_EMAIL = "customer@example.com"
STAFF_GROUP = "Manager"
# Every generated customer carries this source: that is how the command finds them.
DEMO_SOURCE = "demo"
# Demo customer number 1 is the one who logs in to the customer area (CUSTOMER_EMAIL).
LOGIN_CUSTOMER_NUMBER = 1

DEFAULT_CUSTOMERS = 200
DEFAULT_SEED = 2026
POOL_SIZE = 300
# Rows are drawn in blocks from one generator seeded with (seed, block): a row depends
# on its number only, whatever --customers and --batch-size are.
BLOCK_SIZE = 1_000
DEFAULT_BATCH_SIZE_COPY = 100_000
DEFAULT_BATCH_SIZE_ORM = 2_000
REGISTRATION_SPAN = timedelta(days=3 * 365)
# The demo login has been a customer for at least this long.
DEMO_LOGIN_AGE = timedelta(days=2 * 365)

USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like"
    " Gecko) Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15"
    " (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/126.0 Mobile Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
)
CAMPAIGNS = (
    ("google", "cpc", "brand-search"),
    ("facebook", "social", "spring-offer"),
    ("instagram", "social", "summer-2025"),
    ("newsletter", "email", "winter-promo"),
    ("partner", "referral", "partner-program"),
)
SOURCES_WITHOUT_CAMPAIGN = ("", "", "", "website", "shop", "import", "front desk")


@dataclass(frozen=True)
class DemoTag:
    name: str
    colour: str
    per_mille: int  # customers who have it, per thousand


@dataclass(frozen=True)
class DemoList:
    name: str
    description: str
    per_mille: int  # of the customers who accept the newsletter, per thousand


DEMO_TAGS = (
    DemoTag("Returning customer", "#067647", 250),
    DemoTag("Hot lead", "#93370d", 80),
    DemoTag("Wholesale", "#2346c8", 50),
    DemoTag("Needs follow-up", "#5b6475", 40),
    DemoTag("VIP", "#b42318", 20),
    DemoTag("Press", "#7a2e8e", 1),
)
DEMO_LISTS = (
    DemoList("Monthly newsletter", "News and offers, once a month.", 900),
    DemoList("Product updates", "New arrivals and restocks.", 300),
    DemoList("Events near you", "Workshops and in-store events.", 120),
    DemoList("Partner offers", "Selected offers from our partners.", 40),
)
# Of the subscriptions, those that ended, per thousand.
UNSUBSCRIBED_PER_MILLE = 100
# Customers per write (each a transaction): below PostgreSQL's 65,535 parameters.
MARKETING_BATCH_SIZE = 20_000
MASK64 = (1 << 64) - 1


def digits(rng: random.Random, count: int) -> str:
    return str(rng.randrange(10**count)).zfill(count)


@dataclass(frozen=True)
class LocaleProfile:
    """How customers of one country look: locale, language and number formats."""

    faker_locale: str
    country: str
    language: str
    weight: int
    region_method: str
    email_domains: tuple[str, ...]
    street_number_first: bool
    two_last_names: bool
    mobile: Callable[[random.Random], str]
    landline: Callable[[random.Random], str]
    vat_number: Callable[[random.Random], str]


LOCALE_PROFILES = (
    LocaleProfile(
        faker_locale="it_IT",
        country="IT",
        language="it",
        weight=35,
        region_method="administrative_unit",
        email_domains=("posta.example.com", "example.com", "example.net"),
        street_number_first=False,
        two_last_names=False,
        mobile=lambda rng: f"+39 3{digits(rng, 2)} {digits(rng, 3)} {digits(rng, 4)}",
        landline=lambda rng: f"+39 0{digits(rng, 2)} {digits(rng, 7)}",
        vat_number=lambda rng: f"IT{digits(rng, 11)}",
    ),
    LocaleProfile(
        faker_locale="es_ES",
        country="ES",
        language="es",
        weight=18,
        region_method="autonomous_community",
        email_domains=("correo.example.com", "example.com", "example.org"),
        street_number_first=False,
        two_last_names=True,
        mobile=lambda rng: f"+34 6{digits(rng, 2)} {digits(rng, 3)} {digits(rng, 3)}",
        landline=lambda rng: f"+34 9{digits(rng, 2)} {digits(rng, 3)} {digits(rng, 3)}",
        vat_number=lambda rng: f"ESB{digits(rng, 8)}",
    ),
    LocaleProfile(
        faker_locale="es_MX",
        country="MX",
        language="es",
        weight=5,
        region_method="state",
        email_domains=("correo.example.com", "example.org"),
        street_number_first=False,
        two_last_names=True,
        mobile=lambda rng: f"+52 55 {digits(rng, 4)} {digits(rng, 4)}",
        landline=lambda rng: f"+52 33 {digits(rng, 4)} {digits(rng, 4)}",
        vat_number=lambda rng: f"MX{digits(rng, 12)}",
    ),
    LocaleProfile(
        faker_locale="pt_BR",
        country="BR",
        language="pt",
        weight=15,
        region_method="estado_nome",
        email_domains=("email.example.com", "example.com", "example.net"),
        street_number_first=False,
        two_last_names=False,
        mobile=lambda rng: (
            f"+55 {rng.randrange(11, 99)} 9{digits(rng, 4)}-{digits(rng, 4)}"
        ),
        landline=lambda rng: (
            f"+55 {rng.randrange(11, 99)} 3{digits(rng, 3)}-{digits(rng, 4)}"
        ),
        vat_number=lambda rng: (
            f"{digits(rng, 2)}.{digits(rng, 3)}.{digits(rng, 3)}/0001-{digits(rng, 2)}"
        ),
    ),
    LocaleProfile(
        faker_locale="pt_PT",
        country="PT",
        language="pt",
        weight=5,
        region_method="administrative_unit",
        email_domains=("email.example.com", "example.org"),
        street_number_first=False,
        two_last_names=False,
        mobile=lambda rng: f"+351 9{digits(rng, 2)} {digits(rng, 3)} {digits(rng, 3)}",
        landline=lambda rng: (
            f"+351 2{digits(rng, 2)} {digits(rng, 3)} {digits(rng, 3)}"
        ),
        vat_number=lambda rng: f"PT{digits(rng, 9)}",
    ),
    LocaleProfile(
        faker_locale="en_GB",
        country="GB",
        language="en",
        weight=15,
        region_method="county",
        email_domains=("mail.example.org", "example.com", "example.org"),
        street_number_first=True,
        two_last_names=False,
        mobile=lambda rng: f"+44 7{digits(rng, 3)} {digits(rng, 6)}",
        landline=lambda rng: f"+44 20 {digits(rng, 4)} {digits(rng, 4)}",
        vat_number=lambda rng: f"GB{digits(rng, 9)}",
    ),
    LocaleProfile(
        faker_locale="en_US",
        country="US",
        language="en",
        weight=7,
        region_method="state",
        email_domains=("mail.example.org", "example.net"),
        street_number_first=True,
        two_last_names=False,
        mobile=lambda rng: (
            f"+1 {rng.randrange(201, 990)} {digits(rng, 3)} {digits(rng, 4)}"
        ),
        landline=lambda rng: (
            f"+1 {rng.randrange(201, 990)} {digits(rng, 3)} {digits(rng, 4)}"
        ),
        vat_number=lambda rng: f"{digits(rng, 2)}-{digits(rng, 7)}",
    ),
)


@dataclass(frozen=True)
class Name:
    text: str
    email_part: str


@dataclass(frozen=True)
class Place:
    city: str
    region: str
    postal_code: str


@dataclass(frozen=True)
class LocalePool:
    """What one locale's customers are drawn from: a few hundred of each."""

    profile: LocaleProfile
    female_first_names: tuple[Name, ...]
    male_first_names: tuple[Name, ...]
    last_names: tuple[Name, ...]
    places: tuple[Place, ...]
    streets: tuple[str, ...]
    companies: tuple[str, ...]


def ascii_email_part(text: str) -> str:
    """'D'Angelo' → 'd-angelo', 'Gómez' → 'gomez': safe in an e-mail local part."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")


def unique_values(make: Callable[[], str], count: int) -> tuple[str, ...]:
    """Up to ``count`` distinct values of ``make()`` (fewer if it has fewer to give)."""
    values: dict[str, None] = {}
    for _attempt in range(count * 5):
        values[make()] = None
        if len(values) == count:
            break
    return tuple(values)


def names_from(make: Callable[[], str], count: int) -> tuple[Name, ...]:
    names = (Name(text, ascii_email_part(text)) for text in unique_values(make, count))
    return tuple(name for name in names if name.email_part)


def locale_pool_build(profile: LocaleProfile, seed: int) -> LocalePool:
    fake = Faker(profile.faker_locale)
    fake.seed_instance(seed)
    region = getattr(fake, profile.region_method)
    return LocalePool(
        profile=profile,
        female_first_names=names_from(fake.first_name_female, POOL_SIZE),
        male_first_names=names_from(fake.first_name_male, POOL_SIZE),
        last_names=names_from(fake.last_name, POOL_SIZE),
        places=tuple(
            Place(fake.city(), region(), fake.postcode()) for _i in range(POOL_SIZE)
        ),
        streets=unique_values(fake.street_name, POOL_SIZE),
        companies=unique_values(fake.company, POOL_SIZE // 2),
    )


def locale_pools_build(seed: int) -> list[LocalePool]:
    return [locale_pool_build(profile, seed) for profile in LOCALE_PROFILES]


class DemoCustomerGenerator:
    """Draws the values of demo customer number N: the same ones for the same seed
    (registration dates also follow --customers and today's date)."""

    def __init__(
        self, *, pools: list[LocalePool], seed: int, now: datetime, customers: int
    ):
        self.seed = seed
        self.now = now
        self.today = timezone.localdate(now)
        self.first_registration = now - REGISTRATION_SPAN
        self.customers = customers
        # One entry per weight unit: choosing a locale is a single rng.choice().
        self.weighted_pools = tuple(
            pool for pool in pools for _unit in range(pool.profile.weight)
        )

    def rows(self, numbers: Iterable[int]) -> Iterator[dict[str, Any]]:
        """The values of each customer in ``numbers`` (ascending)."""
        block = None
        rng = random.Random()
        next_number = 0
        for number in numbers:
            if (number - 1) // BLOCK_SIZE != block:
                block = (number - 1) // BLOCK_SIZE
                rng.seed(f"{self.seed}:{block}")
                next_number = block * BLOCK_SIZE + 1
            while next_number < number:
                # Customers that exist already: drawn and dropped, to keep the sequence.
                self.values(next_number, rng)
                next_number += 1
            row = self.values(number, rng)
            # COPY and bulk_create bypass Customer.save(), which fills search_text.
            row["search_text"] = customer_search_text(
                **{name: row[name] for name in SEARCH_TEXT_SOURCES}
            )
            yield row
            next_number += 1

    def values(self, number: int, rng: random.Random) -> dict[str, Any]:
        pool = rng.choice(self.weighted_pools)
        profile = pool.profile
        draw = rng.random()
        if draw < 0.49:
            sex, first = "f", rng.choice(pool.female_first_names)
        elif draw < 0.97:
            sex, first = "m", rng.choice(pool.male_first_names)
        else:
            sex = "o" if draw < 0.98 else ""
            first = rng.choice(pool.female_first_names + pool.male_first_names)
        last = rng.choice(pool.last_names)
        last_name, last_email = last.text, last.email_part
        if profile.two_last_names:
            second = rng.choice(pool.last_names)
            last_name = f"{last.text} {second.text}"
            last_email = f"{last.email_part}-{second.email_part}"
        domain = rng.choice(profile.email_domains)
        place = rng.choice(pool.places)
        street = rng.choice(pool.streets)
        street_number = rng.randrange(1, 200)
        address = (
            f"{street_number} {street}"
            if profile.street_number_first
            else f"{street}, {street_number}"
        )
        # Registrations follow the numbers, as ids and dates do in a real database.
        created_at = self.first_registration + REGISTRATION_SPAN * min(
            1.0, (number - 1 + rng.random()) / self.customers
        )
        updated_at = created_at + (self.now - created_at) * rng.random() ** 3
        is_company = rng.random() < 0.12
        campaign = rng.choice(CAMPAIGNS) if rng.random() < 0.25 else None
        return {
            "first_name": first.text,
            "last_name": last_name,
            "email": f"{first.email_part}.{last_email}.{number}@{domain}",
            "phone": profile.landline(rng) if rng.random() < 0.3 else "",
            "mobile": profile.mobile(rng) if rng.random() < 0.85 else "",
            "birth_date": (
                self.today - timedelta(days=rng.randrange(18 * 365, 85 * 365))
                if rng.random() < 0.8
                else None
            ),
            "sex": sex,
            "language": profile.language,
            "address": address,
            "city": place.city,
            "region": place.region,
            "postal_code": place.postal_code,
            "country": profile.country,
            "company_name": rng.choice(pool.companies) if is_company else "",
            "vat_number": profile.vat_number(rng) if is_company else "",
            "newsletter_subscribed": rng.random() < 0.35,
            "email_confirmed_at": (
                min(self.now, created_at + timedelta(minutes=rng.randrange(1, 600)))
                if rng.random() < 0.7
                else None
            ),
            "source": DEMO_SOURCE,
            "utm_source": campaign[0] if campaign else "",
            "utm_medium": campaign[1] if campaign else "",
            "utm_campaign": campaign[2] if campaign else "",
            "registration_user_agent": (
                rng.choice(USER_AGENTS) if rng.random() < 0.6 else ""
            ),
            "created_at": created_at,
            "updated_at": updated_at,
        }


def demo_customer_numbers_present() -> set[int]:
    """The numbers of the demo customers in the database (from their e-mails)."""
    numbers = set()
    emails = (
        Customer.objects.filter(source=DEMO_SOURCE)
        .values_list("email", flat=True)
        .iterator(chunk_size=50_000)
    )
    for email in emails:
        if email.lower() == CUSTOMER_EMAIL:
            numbers.add(LOGIN_CUSTOMER_NUMBER)
            continue
        number = email.partition("@")[0].rpartition(".")[2]
        if number.isdigit():
            numbers.add(int(number))
    return numbers


def customers_copy(rows: Iterable[dict[str, Any]]) -> int:
    """Writes rows with PostgreSQL's COPY; fields the rows lack get their default."""
    fields = [
        field for field in Customer._meta.concrete_fields if not field.primary_key
    ]
    template = {
        field.attname: field.get_db_prep_save(field.get_default(), connection)
        for field in fields
    }
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    table = connection.ops.quote_name(Customer._meta.db_table)
    count = 0
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            # Same keys as the template, in the template's order.
            copy.write_row({**template, **row}.values())
            count += 1
    return count


def customers_bulk_create(rows: Iterable[dict[str, Any]]) -> int:
    """Writes rows with the ORM, keeping their registration dates."""
    customers = [Customer(**row) for row in rows]
    timestamps = [(customer.created_at, customer.updated_at) for customer in customers]
    with transaction.atomic():
        Customer.objects.bulk_create(customers)
        # bulk_create stamps auto_now(_add) fields with the current time.
        for customer, (created_at, updated_at) in zip(
            customers, timestamps, strict=True
        ):
            customer.created_at, customer.updated_at = created_at, updated_at
        Customer.objects.bulk_update(
            [customer for customer in customers if customer.pk is not None],
            ["created_at", "updated_at"],
        )
    return len(customers)


def table_statistics_refresh() -> None:
    """Fresh planner statistics after a bulk load; outside a transaction, VACUUM too,
    so index-only scans work at once and autovacuum does not start mid-benchmark."""
    table = connection.ops.quote_name(Customer._meta.db_table)
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        cursor.execute(f"{command} {table}")


def demo_draw(seed: int, customer_id: int, salt: int) -> int:
    """A number in 0..999 that depends only on the seed, the customer and ``salt``
    (SplitMix64's mixer: cheap, and well spread for consecutive ids)."""
    value = (
        seed * 0x9E3779B97F4A7C15
        + customer_id * 0xBF58476D1CE4E5B9
        + salt * 0x94D049BB133111EB
    ) & MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & MASK64
    return (value ^ (value >> 31)) % 1000


def rows_write(model: type[models.Model], columns: list[str], rows: list) -> int:
    """Inserts rows (tuples of ``columns``): COPY on PostgreSQL, else bulk_create."""
    if not rows:
        return 0
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(model._meta.db_table)
        names = ", ".join(connection.ops.quote_name(column) for column in columns)
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
    else:
        # Each model given here has the default manager ``objects``.
        model.objects.bulk_create(  # type: ignore[attr-defined]
            [model(**dict(zip(columns, row, strict=True))) for row in rows],
            batch_size=DEFAULT_BATCH_SIZE_ORM,
        )
    return len(rows)


def demo_tags_ensure() -> list[tuple[Tag, DemoTag]]:
    """The demo tags, created if missing (a tag of the same name is reused)."""
    tags = []
    for demo_tag in DEMO_TAGS:
        tag = Tag.objects.filter(name__iexact=demo_tag.name).first()
        if tag is None:
            tag = Tag.objects.create(name=demo_tag.name, colour=demo_tag.colour)
        tags.append((tag, demo_tag))
    return tags


def demo_lists_ensure() -> list[tuple[NewsletterList, DemoList]]:
    """The demo newsletter lists, created if missing; archived ones take nobody."""
    lists = []
    for demo_list in DEMO_LISTS:
        newsletter_list = NewsletterList.objects.filter(
            name__iexact=demo_list.name
        ).first()
        if newsletter_list is None:
            newsletter_list = NewsletterList.objects.create(
                name=demo_list.name, description=demo_list.description
            )
        if not newsletter_list.archived:
            lists.append((newsletter_list, demo_list))
    return lists


def _moment_between(start: datetime, end: datetime, draw: int) -> datetime:
    return start + (end - start) * (draw / 1000)


def demo_subscriptions(
    customer_id: int,
    created_at: datetime,
    now: datetime,
    seed: int,
    lists: list[tuple[NewsletterList, DemoList]],
) -> list[tuple]:
    """Subscription rows of a customer who accepts the newsletter: the first list
    from sign-up, the others later; about one in ten ended since."""
    rows = []
    for index, (newsletter_list, demo_list) in enumerate(lists):
        if demo_draw(seed, customer_id, 100 + index) >= demo_list.per_mille:
            continue
        if index == 0:
            subscribed_at, source = created_at, Subscription.Source.SIGNUP
        else:
            subscribed_at = _moment_between(
                created_at, now, demo_draw(seed, customer_id, 200 + index)
            )
            source = Subscription.Source.CUSTOMER
        unsubscribed_at = None
        if demo_draw(seed, customer_id, 300 + index) < UNSUBSCRIBED_PER_MILLE:
            unsubscribed_at = _moment_between(
                subscribed_at, now, demo_draw(seed, customer_id, 400 + index)
            )
        rows.append(
            (customer_id, newsletter_list.pk, subscribed_at, unsubscribed_at, source)
        )
    return rows


def _marketing_rows_write(
    customers: models.QuerySet[Customer],
    links: dict[int, list[tuple]],
    subscriptions: dict[int, list[tuple]],
) -> tuple[int, int]:
    """Writes the rows of a batch of customers, locked first as the marketing services
    lock them; a customer tagged or subscribed meanwhile gets nothing more."""
    tag_link = Customer.tags.through
    with transaction.atomic():
        locked = (
            customers.filter(pk__in=sorted({*links, *subscriptions}))
            .select_for_update()
            .annotate(
                tagged=Exists(tag_link.objects.filter(customer_id=OuterRef("pk"))),
                subscribed=Exists(
                    Subscription.objects.filter(customer_id=OuterRef("pk"))
                ),
            )
            .order_by("pk")
            .values_list("pk", "tagged", "subscribed")
        )
        link_rows: list[tuple] = []
        subscription_rows: list[tuple] = []
        for pk, tagged, subscribed in locked:
            if not tagged:
                link_rows.extend(links.get(pk, ()))
            if not subscribed:
                subscription_rows.extend(subscriptions.get(pk, ()))
        return (
            rows_write(tag_link, ["customer_id", "tag_id"], link_rows),
            rows_write(
                Subscription,
                [
                    "customer_id",
                    "newsletter_list_id",
                    "subscribed_at",
                    "unsubscribed_at",
                    "source",
                ],
                subscription_rows,
            ),
        )


def demo_marketing_seed(
    customers: models.QuerySet[Customer], *, seed: int, log: Callable[[str], None]
) -> tuple[int, int]:
    """Tags and newsletter subscriptions for the demo customers that have none.

    Returns (tag links, subscriptions) added. Drawn per customer (``demo_draw``), so
    a second run, or a run on more customers, adds only the new customers' rows.
    """
    started = time.monotonic()
    now = timezone.now()
    tags = demo_tags_ensure()
    lists = demo_lists_ensure()
    # One pass over the customers that lack tags, or subscriptions they could have.
    candidates = (
        customers.annotate(
            tagged=Exists(
                Customer.tags.through.objects.filter(customer_id=OuterRef("pk"))
            ),
            subscribed=Exists(Subscription.objects.filter(customer_id=OuterRef("pk"))),
        )
        .filter(
            models.Q(tagged=False)
            | models.Q(newsletter_subscribed=True, subscribed=False)
        )
        .order_by("pk")
        .values_list(
            "pk", "created_at", "newsletter_subscribed", "tagged", "subscribed"
        )
    )
    links: dict[int, list[tuple]] = {}
    subscriptions: dict[int, list[tuple]] = {}
    added = [0, 0]  # tag links, subscriptions

    def flush() -> None:
        for position, count in enumerate(
            _marketing_rows_write(customers, links, subscriptions)
        ):
            added[position] += count
        links.clear()
        subscriptions.clear()
        log(
            f"Tags and lists: {added[0]:,} tags, {added[1]:,} subscriptions "
            f"({time.monotonic() - started:.0f} s)"
        )

    for pk, created_at, accepts_newsletter, tagged, subscribed in candidates.iterator(
        chunk_size=MARKETING_BATCH_SIZE
    ):
        if not tagged:
            customer_links = [
                (pk, tag.pk)
                for index, (tag, demo_tag) in enumerate(tags)
                if demo_draw(seed, pk, index) < demo_tag.per_mille
            ]
            if customer_links:
                links[pk] = customer_links
        if accepts_newsletter and not subscribed:
            customer_subscriptions = demo_subscriptions(
                pk, created_at, now, seed, lists
            )
            if customer_subscriptions:
                subscriptions[pk] = customer_subscriptions
        if len(links) + len(subscriptions) >= MARKETING_BATCH_SIZE:
            flush()
    if links or subscriptions:
        flush()
    log(f"Tags and lists: {added[0]:,} tags and {added[1]:,} subscriptions added.")
    return added[0], added[1]


def tables_analyze(model_list: list[type[models.Model]]) -> None:
    with connection.cursor() as cursor:
        for model in model_list:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def demo_staff_ensure() -> tuple[Any, Any]:
    """The demo superuser and the demo staff member (in the Manager group)."""
    user_model = get_user_model()
    admin = user_model.objects.filter(email__iexact=ADMIN_EMAIL).first()
    if admin is None:
        admin = user_model.objects.create_superuser(ADMIN_EMAIL, DEMO_PASSWORD)
    admin.is_active = admin.is_staff = admin.is_superuser = True
    admin.set_password(DEMO_PASSWORD)
    admin.save()

    staff = user_model.objects.filter(email__iexact=STAFF_EMAIL).first()
    if staff is None:
        staff = user_model.objects.create_user(
            STAFF_EMAIL, DEMO_PASSWORD, first_name="Demo", last_name="Staff"
        )
    staff.is_active = staff.is_staff = True
    staff.set_password(DEMO_PASSWORD)
    staff.save()
    if not Group.objects.filter(name=STAFF_GROUP).exists():
        staff_groups_sync()
    staff.groups.add(Group.objects.get(name=STAFF_GROUP))
    return admin, staff


def demo_login_customer_ensure(generator: DemoCustomerGenerator) -> Customer:
    """Demo customer number 1, who logs in to the customer area."""
    customer = Customer.objects.filter(email__iexact=CUSTOMER_EMAIL).first()
    if customer is None:
        values = next(generator.rows([LOGIN_CUSTOMER_NUMBER]))
        registered = min(values["created_at"], timezone.now() - DEMO_LOGIN_AGE)
        for automatic in ("email", "created_at", "updated_at"):
            del values[automatic]
        customer = customer_create(email=CUSTOMER_EMAIL, **values)
        # A customer for a while, so their ledger and expirations have a history
        # spread over time rather than all stamped at the moment of the seed.
        Customer.objects.filter(pk=customer.pk).update(created_at=registered)
        customer.created_at = registered
    if customer.email_confirmed_at is None:
        # The demo login must work: the customer area wants a confirmed e-mail.
        customer.email_confirmed_at = timezone.now()
        customer.save(update_fields=["email_confirmed_at", "updated_at"])
    return customer_login_set_password(customer=customer, password=DEMO_PASSWORD)


class Command(BaseCommand):
    help = (
        "Creates demo customers in several languages and countries, and the demo "
        f"logins (password {DEMO_PASSWORD!r}: a local demo only, never production). "
        "Safe to run again: customers are numbered 1..N and only missing numbers are "
        "added."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--customers",
            type=int,
            default=DEFAULT_CUSTOMERS,
            help=(
                "How many demo customers the database should hold, counting "
                f"{CUSTOMER_EMAIL} (default {DEFAULT_CUSTOMERS})."
            ),
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=None,
            help=(
                f"Rows per COPY on PostgreSQL (default {DEFAULT_BATCH_SIZE_COPY:,}) "
                f"or per bulk_create elsewhere (default {DEFAULT_BATCH_SIZE_ORM:,})."
            ),
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=f"Seed of the random data (default {DEFAULT_SEED}).",
        )

    def handle(
        self, *, customers: int, batch_size: int | None, seed: int, **options
    ) -> None:
        if customers < 1:
            raise CommandError(f"--customers must be at least 1 ({CUSTOMER_EMAIL}).")
        use_copy = connection.vendor == "postgresql"
        batch_size = batch_size or (
            DEFAULT_BATCH_SIZE_COPY if use_copy else DEFAULT_BATCH_SIZE_ORM
        )
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        started = time.monotonic()

        generator = DemoCustomerGenerator(
            pools=locale_pools_build(seed),
            seed=seed,
            now=timezone.now(),
            customers=customers,
        )
        try:
            demo_staff_ensure()
            demo_login_customer_ensure(generator)
        except ValidationError as error:
            raise CommandError(f"Cannot create the demo logins: {error}") from error

        present = demo_customer_numbers_present()
        missing = [
            number for number in range(1, customers + 1) if number not in present
        ]
        self.stdout.write(
            f"Demo customers: {customers:,} wanted, {len(present):,} present, "
            f"{len(missing):,} to add."
        )
        write_rows = customers_copy if use_copy else customers_bulk_create
        rows = generator.rows(missing)
        added = 0
        while added < len(missing):
            batch = min(batch_size, len(missing) - added)
            added += write_rows(next(rows) for _i in range(batch))
            self.stdout.write(
                f"{added:,} / {len(missing):,} new customers "
                f"({time.monotonic() - started:.0f} s)"
            )
        if added and use_copy:
            self.stdout.write("Analyzing the table...")
            table_statistics_refresh()

        demo_customers = Customer.objects.filter(source=DEMO_SOURCE)
        links, subscriptions = demo_marketing_seed(
            demo_customers, seed=seed, log=self.stdout.write
        )
        if (links or subscriptions) and use_copy:
            tables_analyze([Customer.tags.through, Subscription])
        # The installed modules' demo data (the balance's ledger, ...).
        for seeder in plugins.demo_seeders:
            seeder.seed(demo_customers, seed=seed, log=self.stdout.write)

        self.stdout.write(
            self.style.SUCCESS(
                f"Done in {time.monotonic() - started:.1f} s: "
                f"{demo_customers.count():,} demo customers; {links:,} tags and "
                f"{subscriptions:,} newsletter subscriptions added."
            )
        )
        self.stdout.write(
            f"Demo logins (password {DEMO_PASSWORD}; local demo only):\n"
            f"  staff, superuser    {ADMIN_EMAIL:<22} /staff/\n"
            f"  staff, {STAFF_GROUP:<12} {STAFF_EMAIL:<22} /staff/\n"
            f"  customer            {CUSTOMER_EMAIL:<22} /account/"
        )
