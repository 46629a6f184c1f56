from datetime import timedelta

import pytest
from django.utils import timezone

from customers.models import Customer
from customers.widgets import new_customers_context
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_new_customers_widget_counts_the_last_30_days(staff_client):
    CustomerFactory.create_batch(3, first_name="Recent")
    old = CustomerFactory(first_name="Old")
    Customer.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=45)
    )
    widget = new_customers_context(request=None)
    assert widget["total"] == 3
    assert widget["bars"][-1]["count"] == 3
    assert len(widget["bars"]) == 30
    page = staff_client.get("/staff/").content.decode()
    assert "3</strong> new customers in the last 30 days" in page
    assert "<svg" in page


def test_dashboard_hides_widgets_without_permission(client):
    from tests.core.factories import StaffFactory

    client.force_login(StaffFactory())
    response = client.get("/staff/")
    assert response.context["widgets"] == []
