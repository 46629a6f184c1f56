"""While staff are logged in as a customer, every write of the customer area is
either refused (consent, login data, money, devices: only the person may) or made
and recorded with the staff member as its actor, never the customer.

``CASES`` lists every URL under /account/ whose view takes a write (POST, PATCH,
DELETE), as the URL conf has them: a new customer-area URL that is not in the table
makes ``test_every_account_write_url_is_in_the_table`` fail until it is added.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from core.impersonation import FORBIDDEN_MESSAGE, IMPERSONATOR_SESSION_KEY
from core.models import ModuleSettings
from customers.models import (
    Customer,
    CustomerEvent,
    NewsletterList,
    PushDevice,
    ShippingAddress,
    SupportRequest,
)
from customers.services import billing
from customers.services import history as history_services
from customers.services.login import email_confirmation_token
from tests.core.factories import PASSWORD, StaffFactory
from tests.customers.factories import CustomerWithLoginFactory

pytestmark = pytest.mark.django_db

WRITE_METHODS = ("post", "put", "patch", "delete")
# The apps whose rows a refused request must leave exactly as they were.
SNAPSHOT_APPS = ("core", "customers", "balance", "selling", "expirations")


@dataclass
class World:
    client: Client
    staff: Any
    customer: Customer
    made: dict = field(default_factory=dict)


def _settings_rows_made() -> None:
    """The modules' settings rows, which pages make on first read (not a write)."""
    for model in apps.get_models():
        if issubclass(model, ModuleSettings):
            model.load()


def _impersonating_world() -> World:
    """Ana, a manager, logs in as the customer through the backoffice's button."""
    _settings_rows_made()
    staff = StaffFactory(first_name="Ana", last_name="Bianchi", groups=["Manager"])
    customer = CustomerWithLoginFactory(first_name="Marta")
    client = Client()
    client.force_login(staff)
    response = client.post(reverse("customers:impersonate", args=[customer.pk]))
    assert response.status_code == 302
    assert client.session[IMPERSONATOR_SESSION_KEY] == staff.pk
    return World(client=client, staff=staff, customer=customer)


# --- What each URL needs, and what must have happened ---

REFUSED = "refused"
ATTRIBUTED = "attributed"


@dataclass(frozen=True)
class Case:
    expect: str  # REFUSED or ATTRIBUTED
    # Prepares what the request needs; returns its path and the client's kwargs.
    request: Callable[[World], tuple[str, dict]]
    method: str = "post"
    # ATTRIBUTED: the event kind recorded with the staff member as actor ...
    kind: str = CustomerEvent.Kind.STAFF_AS_CUSTOMER
    # ... and a check that the write itself was made.
    done: Callable[[World], None] | None = None


def form(path: str, data: dict | None = None) -> tuple[str, dict]:
    return path, {"data": data or {}}


def json_body(path: str, data: dict) -> tuple[str, dict]:
    return path, {"data": json.dumps(data), "content_type": "application/json"}


def _address(world: World, label: str) -> ShippingAddress:
    return billing.shipping_address_create(
        customer=world.customer, label=label, address="Via Roma 1", city="Torino"
    )


def _product(world: World, **fields):
    from tests.selling.factories import ProductFactory

    world.made["product"] = ProductFactory(name="Logo design", **fields)
    return world.made["product"]


def _cart_line(world: World):
    from selling.services import cart_add

    world.made["line"] = cart_add(
        customer=world.customer, product_id=_product(world).pk, quantity=1
    )
    return world.made["line"]


def _cart_lines(world: World) -> list[tuple[int, int]]:
    from selling.models import CartLine

    return list(
        CartLine.objects.filter(cart__customer=world.customer).values_list(
            "product_id", "quantity"
        )
    )


def _credits_enabled() -> None:
    from balance.models import BalanceSettings

    row = BalanceSettings.load()
    row.credits_section_enabled = True
    row.withdrawals_enabled = True
    row.save()


def _with_balance(world: World) -> None:
    from tests.selling.account_support import offer_enabled
    from tests.selling.support import customer_with_balance

    offer_enabled()
    customer_with_balance(world.customer, "50.00")


def _customer(world: World) -> Customer:
    return Customer.objects.get(pk=world.customer.pk)


# account: login, password reset, sign-up, e-mail confirmation


def login_request(world):
    return form(
        reverse("account:login"),
        {"username": world.customer.email, "password": PASSWORD},
    )


def password_reset_request(world):
    return form(reverse("account:password_reset"), {"email": world.customer.email})


def confirmation_resend_request(world):
    # A customer waiting to confirm: the link would go out if the guard let it.
    world.customer.email_confirmed_at = None
    world.customer.save(update_fields=["email_confirmed_at"])
    return form(reverse("account:confirmation_resend"), {"email": world.customer.email})


def password_reset_confirm_request(world):
    user = world.customer.user
    path = reverse(
        "account:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    new = "another-horse-battery-7"
    return form(path, {"new_password1": new, "new_password2": new})


def signup_request(world):
    return form(
        reverse("account:signup"),
        {
            "email": "someone.else@example.com",
            "password": "another-horse-battery-7",
            "first_name": "Someone",
            "last_name": "Else",
            "language": "en",
        },
    )


def confirm_email_request(world):
    token = email_confirmation_token(world.customer)
    return form(reverse("account:confirm_email", kwargs={"token": token}))


def logout_done(world):
    assert IMPERSONATOR_SESSION_KEY not in world.client.session


# account: profile, addresses, newsletters, password, support, push devices


def profile_request(world):
    return form(
        reverse("account:profile"),
        {"first_name": "Giulia", "last_name": "Rossi", "language": "en"},
    )


def profile_done(world):
    assert _customer(world).first_name == "Giulia"


def email_change_request(world):
    return form(
        reverse("account:email_change"),
        {"email": "new@example.com", "current_password": PASSWORD},
    )


def billing_request(world):
    return form(
        reverse("account:addresses"),
        {"company_name": "Rossi Srl", "billing_city": "Torino"},
    )


def billing_done(world):
    assert _customer(world).company_name == "Rossi Srl"


def address_create_request(world):
    return form(
        reverse("account:address_create"),
        {"label": "Home", "address": "Via Po 2", "city": "Torino"},
    )


def address_create_done(world):
    assert ShippingAddress.objects.filter(
        customer=world.customer, label="Home"
    ).exists()


def address_update_request(world):
    world.made["address"] = _address(world, "Home")
    return form(
        reverse("account:address_update", args=[world.made["address"].pk]),
        {"label": "Office", "address": "Corso Francia 5", "city": "Torino"},
    )


def address_update_done(world):
    world.made["address"].refresh_from_db()
    assert world.made["address"].label == "Office"


def address_delete_request(world):
    world.made["address"] = _address(world, "Home")
    return form(reverse("account:address_delete", args=[world.made["address"].pk]))


def address_delete_done(world):
    assert not ShippingAddress.objects.filter(pk=world.made["address"].pk).exists()


def address_default_request(world):
    _address(world, "Home")
    world.made["address"] = _address(world, "Office")
    return form(reverse("account:address_default", args=[world.made["address"].pk]))


def address_default_done(world):
    world.made["address"].refresh_from_db()
    assert world.made["address"].is_default


def newsletters_request(world):
    news = NewsletterList.objects.create(name="News")
    return form(
        reverse("account:newsletters"),
        {"newsletter_subscribed": "on", "newsletter_lists": [news.pk]},
    )


def password_request(world):
    new = "another-horse-battery-7"
    return form(
        reverse("account:password"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )


def support_request(world):
    return form(
        reverse("account:support"), {"subject": "Invoice", "message": "Please resend"}
    )


def support_done(world):
    assert SupportRequest.objects.filter(
        customer=world.customer, subject="Invoice"
    ).exists()


def push_register_request(world):
    return json_body(
        reverse("account:push_devices"),
        {"token": "device-token-1", "platform": "ios", "name": "iPhone"},
    )


def push_remove_request(world):
    history_services.push_device_register(
        customer=world.customer, token="device-token-1", platform="ios"
    )
    return reverse("account:push_device", args=["device-token-1"]), {}


# balance: payout details and withdrawals


def payout_request(world):
    _credits_enabled()
    return form(
        reverse("balance:account_payout"),
        {
            "account_holder": "Marta Neri",
            "iban": "IT60X0542811101000000123456",
            "paypal_email": "",
            "current_password": PASSWORD,
        },
    )


def withdraw_request(world):
    _credits_enabled()
    return form(
        reverse("balance:account_withdraw"), {"amount": "10.00", "nonce": "n-1"}
    )


def withdrawal_cancel_request(world):
    _credits_enabled()
    # The guard answers before any lookup: tests/balance/test_account_credits.py
    # refuses the cancelling of a real pending withdrawal.
    return form(reverse("balance:account_withdrawal_cancel", args=[1]))


# selling: cart, checkout, orders


def cart_add_request(world):
    product = _product(world)
    return form(
        reverse("selling:account_cart_add"), {"product": product.pk, "quantity": 2}
    )


def cart_add_done(world):
    assert _cart_lines(world) == [(world.made["product"].pk, 2)]


def cart_line_request(world):
    line = _cart_line(world)
    return form(reverse("selling:account_cart_line", args=[line.pk]), {"quantity": 3})


def cart_line_done(world):
    assert _cart_lines(world) == [(world.made["product"].pk, 3)]


def cart_line_remove_request(world):
    line = _cart_line(world)
    return form(reverse("selling:account_cart_line_remove", args=[line.pk]))


def cart_line_remove_done(world):
    assert _cart_lines(world) == []


def discount_request(world):
    _with_balance(world)
    _cart_line(world)
    return form(reverse("selling:account_checkout_discount"), {"amount": "5.00"})


def discount_done(world):
    from selling.models import Cart

    discount = Cart.objects.get(customer=world.customer).balance_discount
    assert discount == Decimal("5.00")


def place_request(world):
    _with_balance(world)
    _cart_line(world)
    return form(
        reverse("selling:account_checkout_place"),
        {"payment_method": "bank_transfer", "nonce": "n-1"},
    )


def order_cancel_request(world):
    from tests.selling.factories import OrderFactory

    order = OrderFactory(customer=world.customer)
    return form(reverse("selling:account_order_cancel", args=[order.pk]))


# expirations: renew


def renew_request(world):
    from tests.expirations.factories import ExpirationFactory, ServiceProductFactory

    world.made["product"] = ServiceProductFactory()
    expiration = ExpirationFactory(
        customer=world.customer,
        product=world.made["product"],
        expiry_date=timezone.localdate() + timedelta(days=5),
    )
    return form(reverse("expirations:account_renew", args=[expiration.pk]))


def renew_done(world):
    assert _cart_lines(world) == [(world.made["product"].pk, 1)]


CASES: dict[str, Case] = {
    # customers: login and access
    "account:login": Case(REFUSED, login_request),
    "account:logout": Case(
        ATTRIBUTED,
        lambda world: form(reverse("account:logout")),
        kind=CustomerEvent.Kind.IMPERSONATION_ENDED,
        done=logout_done,
    ),
    "account:password_reset": Case(REFUSED, password_reset_request),
    "account:password_reset_confirm": Case(REFUSED, password_reset_confirm_request),
    "account:signup": Case(REFUSED, signup_request),
    "account:confirm_email": Case(REFUSED, confirm_email_request),
    "account:confirmation_resend": Case(REFUSED, confirmation_resend_request),
    # customers: the customer's own pages
    "account:profile": Case(
        ATTRIBUTED,
        profile_request,
        kind=CustomerEvent.Kind.PROFILE_UPDATED,
        done=profile_done,
    ),
    "account:email_change": Case(REFUSED, email_change_request),
    "account:addresses": Case(ATTRIBUTED, billing_request, done=billing_done),
    "account:address_create": Case(
        ATTRIBUTED, address_create_request, done=address_create_done
    ),
    "account:address_update": Case(
        ATTRIBUTED, address_update_request, done=address_update_done
    ),
    "account:address_delete": Case(
        ATTRIBUTED, address_delete_request, done=address_delete_done
    ),
    "account:address_default": Case(
        ATTRIBUTED, address_default_request, done=address_default_done
    ),
    "account:newsletters": Case(REFUSED, newsletters_request),
    "account:password": Case(REFUSED, password_request),
    "account:support": Case(ATTRIBUTED, support_request, done=support_done),
    "account:push_devices": Case(REFUSED, push_register_request),
    "account:push_device": Case(REFUSED, push_remove_request, method="delete"),
    # balance
    "balance:account_payout": Case(REFUSED, payout_request),
    "balance:account_withdraw": Case(REFUSED, withdraw_request),
    "balance:account_withdrawal_cancel": Case(REFUSED, withdrawal_cancel_request),
    # selling
    "selling:account_cart_add": Case(ATTRIBUTED, cart_add_request, done=cart_add_done),
    "selling:account_cart_line": Case(
        ATTRIBUTED, cart_line_request, done=cart_line_done
    ),
    "selling:account_cart_line_remove": Case(
        ATTRIBUTED, cart_line_remove_request, done=cart_line_remove_done
    ),
    "selling:account_checkout_discount": Case(
        ATTRIBUTED, discount_request, done=discount_done
    ),
    "selling:account_checkout_place": Case(REFUSED, place_request),
    "selling:account_order_cancel": Case(REFUSED, order_cancel_request),
    # expirations
    "expirations:account_renew": Case(ATTRIBUTED, renew_request, done=renew_done),
}


# --- The URL conf ---


def _write_methods(callback) -> set[str]:
    view_class = getattr(callback, "view_class", None)
    if view_class is None:  # a function view: it may take anything
        return {"post"}
    return {
        method
        for method in WRITE_METHODS
        if method in view_class.http_method_names and hasattr(view_class, method)
    }


def account_write_urls() -> dict[str, set[str]]:
    """Every URL under /account/ whose view takes a write: name -> methods."""
    found: dict[str, set[str]] = {}

    def walk(patterns, prefix: str, namespaces: list[str]) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                inner = [*namespaces, pattern.namespace] if pattern.namespace else []
                walk(pattern.url_patterns, route, inner or namespaces)
            elif isinstance(pattern, URLPattern) and route.startswith("account/"):
                methods = _write_methods(pattern.callback)
                if methods:
                    assert pattern.name, f"/{route} needs a name to be in the table"
                    found[":".join([*namespaces, pattern.name])] = methods

    walk(get_resolver().url_patterns, "", [])
    return found


def test_every_account_write_url_is_in_the_table():
    urls = account_write_urls()
    missing = sorted(set(urls) - set(CASES))
    assert not missing, (
        f"Customer-area URLs that take a write: {missing}. Add them to the table "
        "(CASES) with what must happen while staff are logged in as the customer."
    )
    stale = sorted(set(CASES) - set(urls))
    assert not stale, f"No longer customer-area write URLs: {stale}"
    for name, methods in urls.items():
        # PUT reaches a form view's POST handler (see the PUT test below).
        assert methods - {"put"} == {CASES[name].method}, (
            f"{name} takes {sorted(methods)}: add a case for each method."
        )


def test_the_url_walk_sees_every_app_and_the_views_own_methods():
    urls = account_write_urls()
    assert urls["account:push_device"] == {"delete"}
    assert "post" in urls["expirations:account_renew"]
    assert "account:home" not in urls  # a page to read only
    assert "selling:account_shop" not in urls


# --- While impersonating ---


def snapshot() -> dict[str, list]:
    """Every row of the apps' tables, to compare before and after a request."""
    rows: dict[str, list] = {}
    for label in SNAPSHOT_APPS:
        if not apps.is_installed(label) and label != "core":
            continue
        for model in apps.get_app_config(label).get_models():
            rows[model._meta.label] = sorted(
                model.objects.values_list(), key=lambda row: str(row)
            )
    return rows


def _assert_refused(response, before: dict) -> None:
    assert response.status_code == 403
    assert str(FORBIDDEN_MESSAGE) in response.content.decode()
    assert snapshot() == before
    assert mail.outbox == []


@pytest.mark.parametrize("name", sorted(CASES))
def test_account_write_while_impersonating_is_refused_or_by_the_staff_member(name):
    case = CASES[name]
    world = _impersonating_world()
    path, kwargs = case.request(world)
    mail.outbox.clear()
    before = snapshot()
    events_before = set(CustomerEvent.objects.values_list("pk", flat=True))

    response = getattr(world.client, case.method)(path, **kwargs)

    if case.expect == REFUSED:
        _assert_refused(response, before)
        return
    assert response.status_code in (200, 204, 302), response.content[:500]
    assert case.done is not None
    case.done(world)
    new_events = CustomerEvent.objects.exclude(pk__in=events_before)
    assert new_events.exists(), "the write left no record of who made it"
    # Nothing of it is recorded as the customer's own doing.
    assert all(event.actor_id == world.staff.pk for event in new_events)
    assert all(event.customer_id == world.customer.pk for event in new_events)
    recorded = new_events.get(kind=case.kind)
    if case.kind != CustomerEvent.Kind.IMPERSONATION_ENDED:
        assert recorded.data["as_customer"] is True


PUT_NAMES = sorted(
    name for name, methods in account_write_urls().items() if "put" in methods
)


@pytest.mark.parametrize("name", PUT_NAMES)
def test_account_put_while_impersonating_changes_nothing(name):
    """Django parses no PUT body: a form view's POST handler sees an empty form."""
    world = _impersonating_world()
    path, kwargs = CASES[name].request(world)
    before = snapshot()
    response = world.client.put(path, **kwargs)
    assert response.status_code in (200, 302, 403)
    assert snapshot() == before


def test_the_customers_own_writes_are_still_theirs():
    """The same requests by the customer record no staff member."""
    customer = CustomerWithLoginFactory()
    client = Client()
    client.force_login(customer.user)
    client.post(reverse("account:profile"), {"first_name": "Giulia", "language": "en"})
    client.post(reverse("account:addresses"), {"company_name": "Rossi Srl"})
    client.post(reverse("account:support"), {"subject": "Hi", "message": "Hello"})
    client.post(
        reverse("account:newsletters"),
        {"newsletter_subscribed": "on"},
    )
    customer.refresh_from_db()
    assert customer.first_name == "Giulia"
    assert customer.company_name == "Rossi Srl"
    assert customer.newsletter_subscribed
    events = CustomerEvent.objects.filter(customer=customer).exclude(
        kind=CustomerEvent.Kind.LOGGED_IN
    )
    assert set(events.values_list("kind", flat=True)) == {
        CustomerEvent.Kind.PROFILE_UPDATED,
        CustomerEvent.Kind.SUBSCRIBED,
    }
    assert all(event.actor_id == customer.user_id for event in events)
    assert not any(event.data.get("as_customer") for event in events)


def test_push_devices_can_still_be_listed_while_impersonating():
    world = _impersonating_world()
    history_services.push_device_register(
        customer=world.customer, token="device-token-1", platform="ios", name="iPad"
    )
    response = world.client.get(reverse("account:push_devices"))
    assert response.status_code == 200
    assert [device["name"] for device in response.json()["devices"]] == ["iPad"]
    assert PushDevice.objects.count() == 1


def test_the_timeline_says_staff_did_it_as_the_customer():
    world = _impersonating_world()
    for request in (profile_request, support_request):
        path, kwargs = request(world)
        assert world.client.post(path, **kwargs).status_code == 302
    world.client.post(reverse("customers:impersonation_end"))

    page = world.client.get(reverse("customers:history", args=[world.customer.pk]))
    content = page.content.decode()
    assert page.status_code == 200
    assert content.count("by Ana Bianchi (staff) as the customer") == 2
    assert "Support request sent: Invoice" in content


def test_a_write_whose_staff_member_is_gone_is_refused():
    """Nobody to name as the actor: the write is refused, not made as the customer."""
    world = _impersonating_world()
    world.staff.delete()
    path, kwargs = profile_request(world)
    before = snapshot()
    response = world.client.post(path, **kwargs)
    assert response.status_code == 403
    assert snapshot() == before
