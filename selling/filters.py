"""Filters of the backoffice's product and order lists."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import django_filters
from django import forms
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from customers.search import SEARCH_MAX_LENGTH, customer_search_q
from selling.models import Order, Product
from selling.payments import payment_methods_all

ACTIVE_CHOICES = (
    ("yes", pgettext_lazy("product", "Active")),
    ("no", pgettext_lazy("product", "Inactive")),
)
NEWEST_FIRST = "newest"
PENDING_FIRST = "pending"
SORT_CHOICES = (
    (NEWEST_FIRST, _("Newest first")),
    (PENDING_FIRST, _("Pending first, then newest")),
)


def start_of_day(day: date) -> datetime:
    """The first moment of ``day`` in the business time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProductFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    active = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=ACTIVE_CHOICES,
        empty_label=_("All"),
        method="filter_active",
    )

    class Meta:
        model = Product
        fields = ["q", "active"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(description__icontains=value)
        )

    def filter_active(self, queryset, name, value):
        return queryset.filter(is_active=value == "yes")


def payment_method_choices() -> list[tuple[str, str]]:
    return [(method.key, str(method.label)) for method in payment_methods_all()]


class OrderFilterForm(forms.Form):
    """Checks the filters as a whole: a date range must not run backwards."""

    def clean(self):
        cleaned_data = super().clean()
        start = cleaned_data.get("placed_from")
        end = cleaned_data.get("placed_to")
        if start and end and start > end:
            self.add_error(
                "placed_to",
                _("The end date is before the start date: pick a later end date."),
            )
        return cleaned_data


class OrderFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Customer"),
        method="filter_customer",
        help_text=_("Name or e-mail"),
        max_length=SEARCH_MAX_LENGTH,
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Order.Status.choices, empty_label=_("All")
    )
    payment_method = django_filters.ChoiceFilter(
        label=_("Payment method"), choices=payment_method_choices, empty_label=_("All")
    )
    placed_from = django_filters.DateFilter(
        label=_("Placed from"), method="filter_placed_from", widget=_date_input()
    )
    placed_to = django_filters.DateFilter(
        label=_("Placed to"), method="filter_placed_to", widget=_date_input()
    )
    sort = django_filters.ChoiceFilter(
        label=_("Order by"),
        choices=SORT_CHOICES,
        empty_label=None,
        method="filter_sort",
    )

    class Meta:
        model = Order
        form = OrderFilterForm
        fields = ["q", "status", "payment_method", "placed_from", "placed_to", "sort"]

    def filter_customer(self, queryset, name, value):
        # The customer list's search: every word, accents and case aside.
        return queryset.filter(customer_search_q(value, prefix="customer__"))

    def filter_placed_from(self, queryset, name, value):
        return queryset.filter(placed_at__gte=start_of_day(value))

    def filter_placed_to(self, queryset, name, value):
        return queryset.filter(placed_at__lt=start_of_day(value + timedelta(days=1)))

    def filter_sort(self, queryset, name, value):
        if value == PENDING_FIRST:
            return queryset.annotate(
                pending_first=Case(
                    When(status=Order.Status.PENDING, then=Value(0)),
                    default=Value(1),
                    output_field=IntegerField(),
                )
            ).order_by("pending_first", "-placed_at", "-id")
        return queryset.order_by("-placed_at", "-id")
