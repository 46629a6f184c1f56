"""Template filters of the selling app's backoffice pages."""

from django import template

from selling.tables import (
    payment_method_label,
    status_badge_class,
)

register = template.Library()


@register.filter
def payment_method_name(key: str) -> str:
    return payment_method_label(key)


@register.filter
def order_status_badge(status: str) -> str:
    return status_badge_class(status)
