"""``{% filter_groups filter as groups %}``: a staff list's filters, shown and folded
(see ``core.filters``)."""

from django import template

from core.filters import FilterGroups
from core.filters import filter_groups as split

register = template.Library()


@register.simple_tag
def filter_groups(filterset) -> FilterGroups:
    return split(filterset)
