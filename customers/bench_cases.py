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
from core.text import text_fold
from customers.models import Customer, NewsletterList, Tag

# The search cases pick their customer among the newest ones.
SEARCH_SAMPLE = 500


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


def _recent_customers() -> list[Customer]:
    return list(
        Customer.objects.order_by("-created_at", "-id").only(
            "first_name", "last_name", "mobile", "phone"
        )[:SEARCH_SAMPLE]
    )


def search_second_surname_url() -> str | None:
    """A second surname ("Céspedes" of "Belén Bermejo Céspedes"): missed before."""
    for customer in _recent_customers():
        surnames = customer.last_name.split()
        if len(surnames) == 2:
            return customer_list_url(q=surnames[1])
    return None


def search_accented_capitals_url() -> str | None:
    """An accented surname typed in capitals ("VÉLEZ"), accents kept."""
    for customer in _recent_customers():
        word = customer.last_name.split()[0] if customer.last_name else ""
        if text_fold(word) != word.lower():
            return customer_list_url(q=word.upper())
    return None


def search_two_words_url() -> str | None:
    """A first name and a surname, accents dropped and in reverse order."""
    for customer in _recent_customers():
        if customer.first_name and customer.last_name:
            last = customer.last_name.split()[-1]
            return customer_list_url(q=f"{text_fold(last)} {customer.first_name}")
    return None


def search_phone_fragment_url() -> str | None:
    """Six digits from the middle of a mobile, typed with a space ("957 510")."""
    for customer in _recent_customers():
        digits = "".join(c for c in customer.mobile or customer.phone if c.isdigit())
        if len(digits) >= 9:
            return customer_list_url(q=f"{digits[-7:-4]} {digits[-4:-1]}")
    return None


register("customer list: search second surname", search_second_surname_url, order=22)
register(
    "customer list: search accented name in capitals",
    search_accented_capitals_url,
    order=22,
)
register("customer list: search two words", search_two_words_url, order=22)
register("customer list: search phone fragment", search_phone_fragment_url, order=22)
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
