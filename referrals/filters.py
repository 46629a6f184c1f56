"""The staff Referrals list's filters (the shared filter form layout)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ReferrerFilterSet(django_filters.FilterSet):
    search = django_filters.CharFilter(
        label=_("Search"), method="filter_search", max_length=200
    )
    min_signups = django_filters.NumberFilter(
        label=_("At least this many sign-ups"),
        field_name="referral_signups",
        lookup_expr="gte",
        min_value=0,
        widget=forms.NumberInput(attrs={"min": 0}),
    )
    pending = django_filters.BooleanFilter(
        label=_("With pending commissions"),
        method="filter_pending",
        widget=forms.Select(
            choices=[("", _("All")), ("true", _("Yes")), ("false", _("No"))]
        ),
    )

    primary_filters = ("search", "min_signups", "pending")

    def filter_search(self, queryset, name, value):
        words = value.split()
        for word in words:
            queryset = queryset.filter(
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(email__icontains=word)
            )
        return queryset

    def filter_pending(self, queryset, name, value):
        if value is None:
            return queryset
        if value:
            return queryset.filter(commissions_pending__gt=0)
        return queryset.filter(commissions_pending=0)
