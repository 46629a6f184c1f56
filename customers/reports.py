"""The reports engine's ``customers`` source: new customers.

Registered from ``CustomersConfig.ready()`` in ``core.plugins.report_sources``;
the ``reports`` app computes it without importing this app.

- dimensions: ``day`` ... ``year`` of ``created_at`` (when the customer
  registered) in ``TIME_ZONE``; ``language``; ``region``; ``city`` (both grouped
  whatever their case and outer spaces, shown as most customers spell them);
  ``utm_source`` and ``utm_medium`` (where they came from); ``tag``;
  ``newsletter_list`` (the lists they are subscribed to now); ``login``
  (``enabled``: they have an active login, else ``disabled``);
- measure: ``count``, the number of customers (each counted once per row: a
  customer with two tags is in both tags' rows);
- filters: ``language``, ``tag`` and ``newsletter_list`` (ids), ``login``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    FilteredRelation,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Lower, Trim
from django.utils.translation import gettext_lazy as _

from core import plugins
from core.reporting import (
    COUNT,
    Labels,
    ReportFilter,
    ReportMeasure,
    ReportSource,
    category_dimension,
    id_parse,
    labels_from_choices,
    labels_of_rows,
    period_dimensions,
)
from customers.models import Customer, NewsletterList, Subscription, Tag

SOURCE_KEY = "customers"
LOGIN_ENABLED = "enabled"
LOGIN_DISABLED = "disabled"
# The customer's current subscriptions, joined only when a list is grouped by.
ACTIVE_SUBSCRIPTIONS = "report_active_subscriptions"


def login_group() -> Case:
    """``enabled`` when the customer has a login that is active, else ``disabled``
    (as ``Customer.login_enabled`` reads it)."""
    return Case(
        When(user__is_active=True, then=Value(LOGIN_ENABLED)),
        default=Value(LOGIN_DISABLED),
        output_field=CharField(),
    )


def login_choices() -> list[tuple[str, Any]]:
    return [
        (LOGIN_ENABLED, _("Login enabled")),
        (LOGIN_DISABLED, _("No login")),
    ]


# The customers' names (or e-mails), in one query for all of them; other
# sources with a customer dimension use it too.
customer_labels = labels_of_rows(
    lambda: Customer.objects.only("first_name", "last_name", "email")
)
language_labels = labels_from_choices(lambda: settings.LANGUAGES)


login_labels = labels_from_choices(login_choices)


tag_labels = labels_of_rows(Tag.objects.all, "name")


list_labels = labels_of_rows(NewsletterList.objects.all, "name")


def place_key(field: str) -> Lower:
    """A region or city as the report groups it: trimmed and lower-cased, so that
    "Milano", "milano" and " Milano " are one row (the customers type them)."""
    return Lower(Trim(F(field)))


def place_labels(field: str) -> Labels:
    """``labels`` for ``place_key(field)``: per key, the spelling most customers
    typed (trimmed; on a tie, the first in code-point order, so "Milano" before
    "milano" whatever the database's collation), in one query."""

    def labels(values: Iterable[Any]) -> Mapping[Any, Any]:
        wanted = [value for value in values if value]
        spellings = (
            Customer.objects.annotate(place_key=place_key(field), spelling=Trim(field))
            .filter(place_key__in=wanted)
            .values_list("place_key", "spelling")
            .annotate(customers=Count("id"))
            .order_by()
        )
        best: dict[Any, tuple[int, str]] = {}
        for key, spelling, customers in spellings:
            best[key] = min(best.get(key, (0, "")), (-customers, spelling))
        return {key: spelling for key, (_count, spelling) in best.items()}

    return labels


def tag_apply(rows: QuerySet, values: tuple[Any, ...]) -> QuerySet:
    # A subquery, not a join: a customer with two of the tags stays one row.
    tagged = Customer.tags.through.objects.filter(tag_id__in=values)
    return rows.filter(pk__in=tagged.values("customer_id"))


def list_apply(rows: QuerySet, values: tuple[Any, ...]) -> QuerySet:
    subscribed = Subscription.objects.filter(
        newsletter_list_id__in=values, unsubscribed_at__isnull=True
    )
    return rows.filter(pk__in=subscribed.values("customer_id"))


def customers_queryset(user) -> QuerySet[Customer]:
    # FilteredRelation adds no join until the newsletter_list dimension uses it.
    return Customer.objects.alias(
        **{
            ACTIVE_SUBSCRIPTIONS: FilteredRelation(
                "subscriptions",
                condition=Q(subscriptions__unsubscribed_at__isnull=True),
            )
        }
    )


def customers_source() -> ReportSource:
    categories = (
        category_dimension(
            "language",
            _("Language"),
            lambda: F("language"),
            language_labels,
            order=10,
        ),
        category_dimension(
            "region",
            _("Region"),
            lambda: place_key("region"),
            place_labels("region"),
            order=11,
        ),
        category_dimension(
            "city", _("City"), lambda: place_key("city"), place_labels("city"), order=12
        ),
        category_dimension(
            "utm_source", _("UTM source"), lambda: F("utm_source"), order=13
        ),
        category_dimension(
            "utm_medium", _("UTM medium"), lambda: F("utm_medium"), order=14
        ),
        category_dimension(
            "tag", _("Tag"), lambda: F("tags__id"), tag_labels, order=15
        ),
        category_dimension(
            "newsletter_list",
            _("Newsletter list"),
            lambda: F(f"{ACTIVE_SUBSCRIPTIONS}__newsletter_list_id"),
            list_labels,
            order=16,
        ),
        category_dimension("login", _("Login"), login_group, login_labels, order=17),
    )
    measures = (
        ReportMeasure(
            "count",
            _("New customers"),
            COUNT,
            # Distinct: grouped by tag or list, a customer is one row per tag.
            aggregate=lambda: Count("id", distinct=True),
            order=0,
        ),
    )
    filters = (
        ReportFilter(
            "language",
            _("Language"),
            lambda rows, values: rows.filter(language__in=values),
            choices=lambda: list(settings.LANGUAGES),
        ),
        ReportFilter("tag", _("Tag"), tag_apply, parse=id_parse),
        ReportFilter(
            "newsletter_list", _("Newsletter list"), list_apply, parse=id_parse
        ),
        ReportFilter(
            "login",
            _("Login"),
            lambda rows, values: rows.alias(login_group=login_group()).filter(
                login_group__in=values
            ),
            choices=login_choices,
        ),
    )
    return ReportSource(
        SOURCE_KEY,
        _("New customers"),
        customers_queryset,
        "created_at",
        dimensions=period_dimensions() + categories,
        measures=measures,
        filters=filters,
        permission="customers.view_customer",
        default_measures=("count",),
        order=10,
    )


# Built once, so that registering it again (a second ready()) finds the same entry.
CUSTOMERS_SOURCE = customers_source()


def register() -> None:
    plugins.report_sources.register(CUSTOMERS_SOURCE)
