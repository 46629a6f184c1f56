"""Staff "log in as this customer": permission, banner, return, record, guards."""

import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.views import View

from core.impersonation import (
    IMPERSONATED_SESSION_KEY,
    IMPERSONATOR_SESSION_KEY,
    ForbidWhileImpersonatingMixin,
    forbid_while_impersonating,
    impersonator,
    is_impersonating,
)
from customers.models import Customer, CustomerEvent
from tests.core.factories import StaffFactory
from tests.customers.factories import CustomerFactory, CustomerWithLoginFactory

pytestmark = pytest.mark.django_db

BANNER = "data-impersonation-banner"


@pytest.fixture
def manager_client(client, manager_user):
    client.force_login(manager_user)
    return client


def impersonate(client, customer):
    return client.post(f"/staff/customers/{customer.pk}/impersonate/")


def events(kind):
    return CustomerEvent.objects.filter(kind=kind)


def test_impersonation_needs_the_permission(staff_client, staff_user, customer):
    response = impersonate(staff_client, customer)
    assert response.status_code == 403
    assert staff_client.session["_auth_user_id"] == str(staff_user.pk)
    assert IMPERSONATOR_SESSION_KEY not in staff_client.session
    assert not CustomerEvent.objects.exists()


def test_impersonation_with_only_the_impersonate_permission_is_not_enough(customer):
    staff = StaffFactory()
    staff.user_permissions.add(Permission.objects.get(codename="impersonate_customer"))
    client = Client()
    client.force_login(staff)
    assert impersonate(client, customer).status_code == 403
    assert not CustomerEvent.objects.exists()


def test_impersonation_is_only_posted(manager_client, customer):
    response = manager_client.get(f"/staff/customers/{customer.pk}/impersonate/")
    assert response.status_code == 405
    assert not CustomerEvent.objects.exists()


def test_impersonation_starts_with_a_banner_on_every_page(
    manager_client, manager_user, customer
):
    response = impersonate(manager_client, customer)

    assert response.status_code == 302
    assert response["Location"] == "/account/"
    assert manager_client.session["_auth_user_id"] == str(customer.user.pk)
    home = manager_client.get("/account/").content.decode()
    assert BANNER in home
    assert f"You are logged in as the customer {customer}" in home
    assert f"on behalf of {manager_user}" in home
    assert f"Welcome, {customer.first_name}" in home
    # Staff pages answer 403 to the customer, and still show the way back.
    staff_page = manager_client.get("/staff/customers/")
    assert staff_page.status_code == 403
    assert BANNER in staff_page.content.decode()
    assert BANNER in manager_client.get("/account/missing/").content.decode()

    event = events(CustomerEvent.Kind.IMPERSONATION_STARTED).get()
    assert event.customer == customer
    assert event.actor == manager_user
    assert manager_user.email in event.detail
    assert event.data == {
        "staff_id": manager_user.pk,
        "staff_email": manager_user.email,
    }


def test_impersonation_is_not_a_login_of_the_customer(manager_client, customer):
    customer.user.last_login = None
    customer.user.save()
    impersonate(manager_client, customer)
    customer.user.refresh_from_db()
    assert customer.user.last_login is None
    assert not events(CustomerEvent.Kind.LOGGED_IN).exists()


def test_return_to_the_backoffice_lands_on_the_card(
    manager_client, manager_user, customer
):
    impersonate(manager_client, customer)

    response = manager_client.post("/staff/impersonation/end/")

    assert response.status_code == 302
    assert response["Location"] == f"/staff/customers/{customer.pk}/"
    assert manager_client.session["_auth_user_id"] == str(manager_user.pk)
    assert IMPERSONATOR_SESSION_KEY not in manager_client.session
    card = manager_client.get(response["Location"])
    assert card.status_code == 200
    assert BANNER not in card.content.decode()
    assert "You are back in the backoffice" in card.content.decode()
    event = events(CustomerEvent.Kind.IMPERSONATION_ENDED).get()
    assert (event.customer, event.actor) == (customer, manager_user)


def test_return_without_impersonating_changes_nothing(staff_client, staff_user):
    response = staff_client.post("/staff/impersonation/end/")
    assert response["Location"] == "/staff/"
    assert staff_client.session["_auth_user_id"] == str(staff_user.pk)
    assert not CustomerEvent.objects.exists()


def test_return_when_the_staff_member_lost_access_logs_out(
    manager_client, manager_user, customer
):
    impersonate(manager_client, customer)
    manager_user.is_active = False
    manager_user.save()
    response = manager_client.post("/staff/impersonation/end/")
    assert response["Location"] == "/staff/login/"
    assert "_auth_user_id" not in manager_client.session


def test_log_out_while_impersonating_records_the_end(
    manager_client, manager_user, customer
):
    impersonate(manager_client, customer)
    manager_client.post("/account/logout/")
    assert "_auth_user_id" not in manager_client.session
    assert events(CustomerEvent.Kind.IMPERSONATION_ENDED).get().actor == manager_user


def test_cannot_impersonate_a_staff_account(manager_client, manager_user):
    staff = StaffFactory(email="colleague@example.com")
    customer = CustomerFactory(email="colleague@example.com")
    Customer.objects.filter(pk=customer.pk).update(user=staff)

    response = impersonate(manager_client, customer)

    assert response["Location"] == f"/staff/customers/{customer.pk}/"
    assert manager_client.session["_auth_user_id"] == str(manager_user.pk)
    assert not CustomerEvent.objects.exists()
    page = manager_client.get(response["Location"]).content.decode()
    assert "You cannot log in as a staff account." in page


@pytest.mark.parametrize("login", ["none", "disabled"])
def test_cannot_impersonate_a_customer_who_cannot_log_in(
    manager_client, manager_user, login
):
    if login == "none":
        customer = CustomerFactory()
    else:
        customer = CustomerWithLoginFactory(user__is_active=False)
    response = impersonate(manager_client, customer)
    assert manager_client.session["_auth_user_id"] == str(manager_user.pk)
    assert not CustomerEvent.objects.exists()
    page = manager_client.get(response["Location"]).content.decode()
    assert "This customer cannot log in: enable their login first." in page


def test_login_changes_are_forbidden_while_impersonating(manager_client, customer):
    other = CustomerWithLoginFactory()
    impersonate(manager_client, customer)

    for url in (
        f"/staff/customers/{other.pk}/login/disable/",
        f"/staff/customers/{other.pk}/login/credentials/",
        f"/staff/customers/{other.pk}/login/",
    ):
        response = manager_client.post(url, {"nonce": "n" * 24})
        assert response.status_code == 403
        page = response.content.decode()
        assert "This cannot be done while you are logged in as a customer." in page
        assert BANNER in page

    other.user.refresh_from_db()
    assert other.user.is_active
    assert (
        CustomerEvent.objects.exclude(
            kind=CustomerEvent.Kind.IMPERSONATION_STARTED
        ).count()
        == 0
    )


def request_with_session(user):
    request = RequestFactory().post("/anything/")
    SessionMiddleware(lambda r: HttpResponse()).process_request(request)
    request.user = user
    return request


def test_guards_refuse_while_impersonating_and_let_others_through(customer):
    staff = StaffFactory()
    calls = []

    @forbid_while_impersonating
    def pay(request):
        calls.append("pay")
        return HttpResponse("paid")

    class Withdraw(ForbidWhileImpersonatingMixin, View):
        def post(self, request):
            calls.append("withdraw")
            return HttpResponse("withdrawn")

    request = request_with_session(customer.user)
    assert pay(request).status_code == 200
    assert Withdraw.as_view()(request).status_code == 200

    request.session[IMPERSONATOR_SESSION_KEY] = staff.pk
    request.session[IMPERSONATED_SESSION_KEY] = customer.user.pk
    assert is_impersonating(request)
    assert impersonator(request) == staff
    assert pay(request).status_code == 403
    response = Withdraw.as_view()(request)
    assert response.status_code == 403
    assert "Return to the backoffice first" in response.content.decode()
    assert calls == ["pay", "withdraw"]


def test_is_impersonating_needs_the_session_to_belong_to_the_impersonated_user(
    customer,
):
    staff = StaffFactory()
    request = request_with_session(customer.user)
    request.session[IMPERSONATOR_SESSION_KEY] = staff.pk
    request.session[IMPERSONATED_SESSION_KEY] = customer.user.pk + 1000
    assert not is_impersonating(request)
    request.user = AnonymousUser()
    request.session[IMPERSONATED_SESSION_KEY] = customer.user.pk
    assert not is_impersonating(request)
    assert impersonator(request) is None
