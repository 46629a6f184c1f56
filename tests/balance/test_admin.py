"""Django's admin cannot write the ledger or the figures derived from it."""

from decimal import Decimal
from io import StringIO

import pytest
from django import forms
from django.core.management import call_command

from balance.models import Entry, Hold
from balance.services import hold_place
from tests.balance.support import credit, figures, key
from tests.core.factories import UserFactory
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def change_form_data(response) -> dict:
    """What the browser would post back: every field of the rendered change form."""
    form = response.context["adminform"].form
    data = {}
    for bound_field in form:
        value = bound_field.value()
        if value is None or isinstance(bound_field.field, forms.FileField):
            continue
        data[bound_field.html_name] = value
    return data


def verify_balances() -> str:
    out = StringIO()
    call_command("verify_balances", stdout=out, stderr=StringIO())
    return out.getvalue()


def test_admin_change_form_cannot_set_the_ledger_figures(superuser_client):
    customer = CustomerFactory(first_name="Ada")
    credit(customer, "25.00")
    hold_place(
        customer_id=customer.pk,
        amount=D("5.00"),
        kind=Hold.Kind.WITHDRAWAL,
        idempotency_key=key(),
    )
    url = f"/admin/customers/customer/{customer.pk}/change/"

    page = superuser_client.get(url)
    assert page.status_code == 200
    data = change_form_data(page)
    data.update(first_name="Adele", balance="1000000.00", balance_held="0.00")
    response = superuser_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    customer.refresh_from_db()
    assert customer.first_name == "Adele"  # the rest of the form still saves
    assert figures(customer) == (D("25.00"), D("5.00"))
    assert verify_balances().startswith("OK")
    html = superuser_client.get(url).content.decode()
    assert 'name="balance"' not in html
    assert 'name="balance_held"' not in html
    assert "25.00" in html  # still shown, read-only


def test_admin_cannot_add_change_or_delete_ledger_entries(superuser_client):
    customer = CustomerFactory()
    entry = credit(customer, "10.00")

    listing = superuser_client.get("/admin/balance/entry/")
    assert listing.status_code == 200
    assert "Add ledger entry" not in listing.content.decode()

    refused = [
        superuser_client.get("/admin/balance/entry/add/"),
        superuser_client.post(
            "/admin/balance/entry/add/",
            {
                "customer": customer.pk,
                "amount": "1000000.00",
                "kind": Entry.Kind.MANUAL_CREDIT,
                "author_kind": Entry.AuthorKind.STAFF,
                "balance_after": "1000010.00",
                "idempotency_key": "admin",
            },
        ),
        superuser_client.post(
            f"/admin/balance/entry/{entry.pk}/delete/", {"post": "yes"}
        ),
        superuser_client.post(
            "/admin/balance/entry/",
            {
                "action": "delete_selected",
                "_selected_action": [entry.pk],
                "post": "yes",
            },
        ),
    ]
    # No bulk action is offered: the posted "delete selected" just shows the list.
    assert [response.status_code for response in refused] == [403, 403, 403, 200]
    assert "delete_selected" not in refused[3].content.decode()

    view = superuser_client.get(f"/admin/balance/entry/{entry.pk}/change/")
    assert view.status_code == 200
    assert 'name="amount"' not in view.content.decode()
    superuser_client.post(
        f"/admin/balance/entry/{entry.pk}/change/",
        {"amount": "1000000.00", "note": "changed"},
    )

    assert list(Entry.objects.values_list("pk", "amount", "note")) == [
        (entry.pk, D("10.00"), entry.note)
    ]
    assert figures(customer) == (D("10.00"), D("0.00"))
    assert verify_balances().startswith("OK")


def test_admin_shows_holds_but_cannot_write_them(superuser_client):
    customer = CustomerFactory()
    credit(customer, "10.00")
    hold = hold_place(
        customer_id=customer.pk,
        amount=D("4.00"),
        kind=Hold.Kind.WITHDRAWAL,
        idempotency_key=key(),
    )

    assert superuser_client.get("/admin/balance/hold/").status_code == 200
    assert superuser_client.get("/admin/balance/hold/add/").status_code == 403
    delete = superuser_client.post(
        f"/admin/balance/hold/{hold.pk}/delete/", {"post": "yes"}
    )
    assert delete.status_code == 403
    superuser_client.post(
        f"/admin/balance/hold/{hold.pk}/change/",
        {"amount": "0.01", "status": Hold.Status.RELEASED},
    )

    hold.refresh_from_db()
    assert (hold.amount, hold.status) == (D("4.00"), Hold.Status.ACTIVE)
    assert figures(customer) == (D("10.00"), D("4.00"))
