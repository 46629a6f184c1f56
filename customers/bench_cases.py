"""Benchmark cases of the customer list's filters, bulk form and export (area "list").

Found by ``manage.py bench`` (see bench/README.md). Cases that need a tag or a list
are skipped on a database without one.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from bench.cases import register
from bench.standard_cases import customer_list_url, latest_customer
from customers.models import NewsletterList, Tag


def _commonest_tag() -> Tag | None:
    return Tag.objects.annotate(n=Count("customers")).order_by("-n").first()


def _rarest_tag() -> Tag | None:
    return (
        Tag.objects.annotate(n=Count("customers")).filter(n__gt=0).order_by("n").first()
    )


def filter_city_and_tag_url() -> str | None:
    customer, tag = latest_customer(), _commonest_tag()
    if customer is None or tag is None:
        return None
    return customer_list_url(city=customer.city, tag=tag.pk)


def filter_rare_tag_url() -> str | None:
    tag = _rarest_tag()
    return customer_list_url(tag=tag.pk) if tag else None


def filter_list_url() -> str | None:
    newsletter_list = NewsletterList.objects.order_by("pk").first()
    return (
        customer_list_url(newsletter_list=newsletter_list.pk)
        if newsletter_list
        else None
    )


def filter_registered_last_month_url() -> str:
    today = timezone.localdate()
    return customer_list_url(
        registered_from=(today - timedelta(days=30)).isoformat(),
        registered_to=today.isoformat(),
    )


register("customer list: filter city + tag", filter_city_and_tag_url, order=26)
register("customer list: filter rare tag", filter_rare_tag_url, order=27)
register("customer list: filter newsletter list", filter_list_url, order=27)
register(
    "customer list: filter login + e-mail confirmed",
    lambda: customer_list_url(login="yes", email_confirmed="yes"),
    order=27,
)
register(
    "customer list: registered last 30 days", filter_registered_last_month_url, order=27
)
register(
    "customer list: 200 per page",
    lambda: customer_list_url(per_page=200),
    order=28,
)
register(
    "settings: customer tags", lambda: reverse("customers:settings_tags"), order=29
)
