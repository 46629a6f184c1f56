import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core import plugins
from customers.models import Customer


class CustomerFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    city = django_filters.CharFilter(label=_("City"), lookup_expr="iexact")
    region = django_filters.CharFilter(label=_("Region"), lookup_expr="iexact")
    postal_code = django_filters.CharFilter(label=_("Postal code"))
    language = django_filters.ChoiceFilter(
        label=_("Language"), choices=Customer._meta.get_field("language").choices
    )

    class Meta:
        model = Customer
        fields = ["q", "city", "region", "postal_code", "language"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            for entry in plugins.customer_filters.visible_to(user):
                self.filters[entry.key] = entry.make_filter()

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        if "@" in value:
            return queryset.filter(email__istartswith=value)
        condition = Q()
        for term in value.split():
            term_condition = (
                Q(first_name__istartswith=term)
                | Q(last_name__istartswith=term)
                | Q(email__istartswith=term)
            )
            # Only a term with a digit can be part of a phone number; leaving the
            # phone out otherwise lets PostgreSQL answer from the prefix indexes.
            if any(character.isdigit() for character in term):
                term_condition |= Q(phone__contains=term)
            condition &= term_condition
        return queryset.filter(condition)
