"""The cases Clientela ships with: the staff dashboard, customer list and card, and the
customer area. Data-dependent URLs are looked up when the benchmark runs."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from bench.cases import register
from customers.management.commands.seed_demo import CUSTOMER_EMAIL
from customers.models import Customer

LIST_PAGE_SIZE = 25
DEEP_PAGE = 2_000


def customer_list_url(**query: str | int) -> str:
    return f"{reverse('customers:list')}?{urlencode(query)}"


def latest_customer() -> Customer | None:
    """A customer near the top of the list (not the demo login, who may be unusual)."""
    return (
        Customer.objects.exclude(city="")
        .exclude(email__iexact=CUSTOMER_EMAIL)
        .order_by("-created_at", "-id")
        .first()
    )


def search_by_email_prefix_url() -> str | None:
    customer = latest_customer()
    if customer is None:
        return None
    # "anna.rossi.123@example.com" → "anna.rossi": what one types to find an address.
    prefix = customer.email.partition("@")[0].rpartition(".")[0] or customer.email
    return customer_list_url(q=prefix)


def search_by_name_url() -> str | None:
    customer = latest_customer()
    return customer_list_url(q=customer.last_name) if customer else None


def filter_by_city_url() -> str | None:
    customer = latest_customer()
    return customer_list_url(city=customer.city) if customer else None


def deep_page_url() -> str:
    """Page 2,000 (OFFSET 49,975), or the last full page with fewer customers."""
    pages = Customer.objects.count() // LIST_PAGE_SIZE
    return customer_list_url(page=max(1, min(DEEP_PAGE, pages)))


def customer_card_url() -> str | None:
    customer = Customer.objects.filter(email__iexact=CUSTOMER_EMAIL).first()
    customer = customer or latest_customer()
    return reverse("customers:card", args=[customer.pk]) if customer else None


register("staff dashboard", lambda: reverse("staff:dashboard"), order=10)
register("customer list", lambda: reverse("customers:list"), order=20)
register("customer list: search e-mail prefix", search_by_email_prefix_url, order=21)
register("customer list: search name", search_by_name_url, order=22)
register("customer list: filter city", filter_by_city_url, order=23)
register(
    "customer list: sort by name", lambda: customer_list_url(sort="name"), order=24
)
register(f"customer list: page {DEEP_PAGE:,}", deep_page_url, order=25)
register("customer card", customer_card_url, order=30)
register(
    "customer area home", lambda: reverse("account:home"), login="customer", order=40
)
