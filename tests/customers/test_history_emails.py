"""The card's "E-mails sent" page (under Action history): what was sent to this
customer, and to no one else."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import SentEmail
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def sent(to, n, template="balance/credited"):
    return [
        SentEmail.objects.create(
            event_key=f"{template}:{to}:{i}",
            template=template,
            to=to,
            language="en",
            subject=f"Subject {i}",
            status=SentEmail.Status.SENT,
        )
        for i in range(n)
    ]


def test_a_manager_sees_the_customers_emails_and_no_one_elses(client, manager_user):
    customer = CustomerFactory(email="ana@example.com")
    sent("ana@example.com", 2)
    sent("other@example.com", 1, template="selling/order_paid")
    client.force_login(manager_user)

    history = client.get(reverse("customers:history", args=[customer.pk]))
    page = client.get(reverse("customers:emails", args=[customer.pk])).content.decode()

    assert reverse("customers:emails", args=[customer.pk]) in history.content.decode()
    assert "Subject 0" in page and "Subject 1" in page
    assert "selling/order_paid" not in page


def test_staff_without_the_email_log_permission_see_no_link(client, staff_user):
    customer = CustomerFactory()
    client.force_login(staff_user)
    assert not staff_user.has_perm("core.view_sentemail")

    history = client.get(reverse("customers:history", args=[customer.pk]))
    response = client.get(reverse("customers:emails", args=[customer.pk]))

    assert (
        reverse("customers:emails", args=[customer.pk]) not in history.content.decode()
    )
    assert response.status_code == 403


def test_the_tab_pages_fifty_at_a_time_in_a_fixed_number_of_queries(
    client, manager_user, django_assert_max_num_queries
):
    customer = CustomerFactory(email="many@example.com")
    client.force_login(manager_user)
    url = reverse("customers:emails", args=[customer.pk])
    sent("many@example.com", 3)
    client.get(url)  # warm the caches (permissions, settings)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    sent("many@example.com", 60, template="expirations/reminder")
    with django_assert_max_num_queries(len(few)):
        page = client.get(url).content.decode()
    assert page.count("<td>expirations/reminder</td>") == 50  # the newest first
    assert "Page 1 of 2" in page
    assert client.get(url + "?page=9").status_code == 404
