import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError

from customers import services
from customers.models import Customer
from tests.core.factories import StaffFactory
from tests.customers.factories import CustomerFactory, CustomerWithLoginFactory

pytestmark = pytest.mark.django_db


def personal_data(**overrides):
    return {
        "first_name": "Lucía",
        "last_name": "Gómez",
        "email": "lucia@example.com",
        "phone": "+34 600 000 000",
        "language": "es",
        "country": "es",
        **overrides,
    }


def test_customer_create_refuses_a_duplicate_email_whatever_its_case():
    CustomerFactory(email="taken@example.com")
    with pytest.raises(ValidationError) as error:
        services.customer_create(email="TAKEN@example.com", first_name="X")
    assert "already exists" in str(error.value)
    assert Customer.objects.count() == 1


def test_customer_update_moves_the_login_with_the_email():
    customer = CustomerWithLoginFactory(email="old@example.com")
    services.customer_update(customer=customer, email="New@Example.com")
    customer.refresh_from_db()
    customer.user.refresh_from_db()
    assert customer.email == "new@example.com"
    assert customer.user.email == "new@example.com"


def test_staff_create_a_customer(client):
    client.force_login(StaffFactory(groups=["Staff"]))
    response = client.post("/staff/customers/new/", personal_data())
    customer = Customer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/staff/customers/{customer.pk}/"
    assert customer.first_name == "Lucía"
    assert customer.country == "ES"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"email": "not-an-email"}, "Enter a valid email address."),
        ({"birth_date": "2031-02-30"}, "Enter a valid date."),
        ({"birth_date": "2100-01-01"}, "The birth date cannot be in the future."),
        ({"country": "Spain"}, "Ensure this value has at most 2 characters"),
        ({"country": "1T"}, "Use the two-letter country code"),
        ({"language": "xx"}, "Select a valid choice."),
        ({"email": "dup@example.com"}, "A customer with this e-mail already exists."),
    ],
)
def test_staff_create_with_bad_input_says_why_and_saves_nothing(
    client, overrides, message
):
    CustomerFactory(email="dup@example.com")
    client.force_login(StaffFactory(groups=["Staff"]))
    response = client.post("/staff/customers/new/", personal_data(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Customer.objects.count() == 1


def test_script_in_a_name_is_stored_as_text_and_shown_escaped(client):
    client.force_login(StaffFactory(groups=["Staff"]))
    client.post(
        "/staff/customers/new/",
        personal_data(first_name="<script>alert(1)</script>"),
    )
    customer = Customer.objects.get()
    assert customer.first_name == "<script>alert(1)</script>"
    page = client.get(f"/staff/customers/{customer.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_staff_edit_personal_data(client):
    customer = CustomerFactory()
    client.force_login(StaffFactory(groups=["Staff"]))
    response = client.post(
        f"/staff/customers/{customer.pk}/",
        personal_data(email=customer.email, first_name="Edited"),
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.first_name == "Edited"


def test_staff_without_change_permission_can_read_but_not_edit(client):
    customer = CustomerFactory(first_name="Readonly")
    viewer = StaffFactory()
    viewer.user_permissions.add(Permission.objects.get(codename="view_customer"))
    client.force_login(viewer)
    page = client.get(f"/staff/customers/{customer.pk}/").content.decode()
    assert "Readonly" in page
    assert 'method="post"' not in page.split('class="tab-panel"')[1]
    response = client.post(
        f"/staff/customers/{customer.pk}/", personal_data(first_name="Hacked")
    )
    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.first_name == "Readonly"
    assert client.get("/staff/customers/new/").status_code == 403


def test_unknown_customer_is_a_404(staff_client):
    assert staff_client.get("/staff/customers/999999/").status_code == 404
