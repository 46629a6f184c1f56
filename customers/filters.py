"""The staff customer list's filters.

Every filter is served by an index at a million customers (see migrations 0002,
0004, 0005 and 0015): the search by the trigram index on ``search_text``
(``customers.search``), city and region by the
``UPPER(...)`` indexes, tags and lists by the through tables' indexes (as ``EXISTS``,
so a customer never shows twice), the registration dates by ``customer_created_idx``
(as a range of moments, never ``created_at::date``).
"""

from datetime import date, datetime, time, timedelta

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import plugins
from customers.models import Customer, NewsletterList, Subscription, Tag
from customers.search import SEARCH_MAX_LENGTH, customer_search_q

YES_NO = (("yes", _("Yes")), ("no", _("No")))


def start_of_day(day: date) -> datetime:
    """The first moment of ``day`` in the business time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


class CustomerFilterForm(forms.Form):
    """Checks the filters as a whole: a date range must not run backwards."""

    def clean(self):
        cleaned_data = super().clean()
        start = cleaned_data.get("registered_from")
        end = cleaned_data.get("registered_to")
        if start and end and start > end:
            self.add_error(
                "registered_to",
                _("The end date is before the start date: pick a later end date."),
            )
        return cleaned_data


class CustomerFilterSet(django_filters.FilterSet):
    # Shown above the list; the other filters (and those other apps add) fold under
    # "More filters" (core.filters).
    primary_filters = ("q", "tag", "newsletter_list", "city")

    q = django_filters.CharFilter(
        label=_("Search"), method="filter_search", max_length=SEARCH_MAX_LENGTH
    )
    city = django_filters.CharFilter(label=_("City"), lookup_expr="iexact")
    region = django_filters.CharFilter(label=_("Region"), lookup_expr="iexact")
    postal_code = django_filters.CharFilter(label=_("Postal code"))
    language = django_filters.ChoiceFilter(
        label=_("Language"), choices=Customer._meta.get_field("language").choices
    )
    newsletter_list = django_filters.ModelChoiceFilter(
        label=_("Newsletter list"),
        queryset=NewsletterList.objects.only("name", "archived"),
        method="filter_newsletter_list",
        error_messages={
            "invalid_choice": _("This list does not exist: pick one from the menu.")
        },
    )
    tag = django_filters.ModelChoiceFilter(
        label=_("Tag"),
        queryset=Tag.objects.only("name"),
        method="filter_tag",
        error_messages={
            "invalid_choice": _("This tag does not exist: pick one from the menu.")
        },
    )
    login = django_filters.ChoiceFilter(
        label=_("Login enabled"), choices=YES_NO, method="filter_login"
    )
    email_confirmed = django_filters.ChoiceFilter(
        label=_("E-mail confirmed"), choices=YES_NO, method="filter_email_confirmed"
    )
    registered_from = django_filters.DateFilter(
        label=_("Registered from"),
        method="filter_registered_from",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    registered_to = django_filters.DateFilter(
        label=_("Registered to"),
        method="filter_registered_to",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    class Meta:
        model = Customer
        form = CustomerFilterForm
        fields = [
            "q",
            "city",
            "region",
            "postal_code",
            "language",
            "newsletter_list",
            "tag",
            "login",
            "email_confirmed",
            "registered_from",
            "registered_to",
        ]

    def __init__(self, *args, user=None, every_filter: bool = False, **kwargs):
        # ``every_filter``: the registered filters whatever the permissions (a
        # command run by whoever has the shell).
        super().__init__(*args, **kwargs)
        if every_filter:
            entries = list(plugins.customer_filters)
        elif user is not None:
            entries = plugins.customer_filters.visible_to(user)
        else:
            entries = []
        for entry in entries:
            self.filters[entry.key] = entry.make_filter()

    def filter_search(self, queryset, name, value):
        return queryset.filter(customer_search_q(value))

    def filter_newsletter_list(self, queryset, name, value):
        active = Subscription.objects.filter(
            customer=OuterRef("pk"), newsletter_list=value, unsubscribed_at__isnull=True
        )
        return queryset.filter(Exists(active))

    def filter_tag(self, queryset, name, value):
        tagged = Customer.tags.through.objects.filter(
            customer_id=OuterRef("pk"), tag_id=value.pk
        )
        return queryset.filter(Exists(tagged))

    def filter_login(self, queryset, name, value):
        if value == "yes":
            # The redundant "user_id IS NOT NULL" tells PostgreSQL how few customers
            # have a login (the column's null fraction): it then starts from them
            # instead of walking the whole list in date order.
            return queryset.filter(user__isnull=False, user__is_active=True)
        return queryset.filter(Q(user__isnull=True) | Q(user__is_active=False))

    def filter_email_confirmed(self, queryset, name, value):
        return queryset.filter(email_confirmed_at__isnull=value != "yes")

    def filter_registered_from(self, queryset, name, value):
        return queryset.filter(created_at__gte=start_of_day(value))

    def filter_registered_to(self, queryset, name, value):
        return queryset.filter(created_at__lt=start_of_day(value + timedelta(days=1)))


# Query-string parameters of the list that are not filters (paging, sorting, the
# table's size): accepted and left aside.
NOT_FILTERS = frozenset({"page", "per_page", "sort"})


def customers_matching(query_string: str, *, user=None) -> QuerySet[Customer]:
    """The customers the staff list shows for ``query_string`` ("tag=3&city=Rome").

    Every registered filter counts (those other apps add included: without a
    ``user``, all of them). Raises ``ValidationError`` naming the filter, for a
    value it refuses or for a name that is not a filter.
    """
    data = QueryDict(query_string or "")
    filterset = CustomerFilterSet(
        data, queryset=Customer.objects.all(), user=user, every_filter=user is None
    )
    unknown = sorted(set(data) - set(filterset.filters) - NOT_FILTERS)
    if unknown:
        raise ValidationError(
            _("Unknown filter: %(names)s. The filters are: %(known)s.")
            % {
                "names": ", ".join(unknown),
                "known": ", ".join(filterset.filters),
            },
            code="unknown_filter",
        )
    if not filterset.is_valid():
        raise ValidationError(
            [
                _filter_message(filterset.form, name, error)
                for name, errors in filterset.form.errors.items()
                for error in errors
            ],
            code="invalid_filter",
        )
    return filterset.qs.order_by("pk")


def _filter_message(form, name: str, error: str) -> str:
    field = form.fields.get(name)
    if field is None:  # the form's own check ("__all__")
        return str(error)
    return _("%(filter)s (%(name)s): %(error)s") % {
        "filter": field.label or name,
        "name": name,
        "error": error,
    }
