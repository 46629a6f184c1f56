"""Django's admin cannot change what the card's services must record: the e-mail
(and the login that follows it), the linked login, the confirmation and the consent."""

import pytest

from tests.balance.test_admin import change_form_data
from tests.core.factories import UserFactory
from tests.customers.factories import CustomerWithLoginFactory

pytestmark = pytest.mark.django_db


def test_admin_change_form_leaves_the_login_and_consent_fields_alone(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    customer = CustomerWithLoginFactory(
        first_name="Ada", email="ada@example.com", newsletter_subscribed=True
    )
    other_login = UserFactory()
    url = f"/admin/customers/customer/{customer.pk}/change/"

    page = client.get(url)
    data = change_form_data(page)
    for name in ("email", "user", "email_confirmed_at", "newsletter_subscribed"):
        assert name not in data, f"{name} is editable in the admin"
    data.update(
        first_name="Adele",
        email="thief@example.com",
        user=str(other_login.pk),
        newsletter_subscribed="",
    )
    response = client.post(url, data)

    assert response.status_code == 302
    customer.refresh_from_db()
    customer.user.refresh_from_db()
    assert customer.first_name == "Adele"  # the rest of the form still works
    assert customer.email == "ada@example.com"
    assert customer.user.email == "ada@example.com"
    assert customer.user_id != other_login.pk
    assert customer.newsletter_subscribed is True


def test_admin_add_form_takes_the_email(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    page = client.get("/admin/customers/customer/add/")

    form = page.context["adminform"].form
    assert "email" in form.fields
    assert "user" not in form.fields
    assert "newsletter_subscribed" not in form.fields
