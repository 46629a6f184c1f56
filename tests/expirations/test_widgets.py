"""Dashboard widgets: "Upcoming renewals" and "To do today" (marked done in place)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from customers.models import CustomerAction
from expirations.widgets import UPCOMING_LIMIT
from tests.core.factories import StaffFactory
from tests.customers.factories import CustomerFactory
from tests.expirations.factories import ExpirationFactory, ServiceProductFactory

pytestmark = pytest.mark.django_db

DASHBOARD = "/staff/"


def widget_url(key):
    return reverse("expirations:staff_widget", args=[key])


def staff_with(*codenames):
    user = StaffFactory()
    for codename in codenames:
        app, name = codename.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app, codename=name)
        )
    return user


def action_due(customer=None, *, days=0, done=False, title="Call back"):
    return CustomerAction.objects.create(
        customer=customer or CustomerFactory(),
        kind=CustomerAction.Kind.CALL,
        title=title,
        due_date=timezone.localdate() + timedelta(days=days),
        done=done,
    )


def test_dashboard_shows_both_widgets_to_staff(staff_client):
    response = staff_client.get(DASHBOARD)

    keys = [item["widget"].key for item in response.context["widgets"]]
    assert "expirations_upcoming" in keys
    assert "todo_today" in keys
    html = response.content.decode()
    assert "Upcoming renewals" in html and "To do today" in html


def test_upcoming_widget_hidden_without_permission(client):
    client.force_login(staff_with("customers.view_customer"))

    response = client.get(DASHBOARD)

    keys = [item["widget"].key for item in response.context["widgets"]]
    assert "expirations_upcoming" not in keys
    assert "todo_today" in keys
    assert client.get(widget_url("expirations_upcoming")).status_code == 403


def test_upcoming_lists_live_expiries_of_next_7_days_nearest_first(staff_client):
    today = timezone.localdate()
    customer = CustomerFactory(first_name="Grace", last_name="Hopper")
    in_three = ExpirationFactory(
        customer=customer,
        item="In three",
        amount=Decimal("30.00"),
        expiry_date=today + timedelta(days=3),
    )
    today_one = ExpirationFactory(
        item="Today", amount=Decimal("10.00"), expiry_date=today
    )
    last_day = ExpirationFactory(
        product=ServiceProductFactory(name="Yearly plan"),
        amount=Decimal("5.50"),
        expiry_date=today + timedelta(days=6),
    )
    ExpirationFactory(item="Day 7", expiry_date=today + timedelta(days=7))
    ExpirationFactory(item="Yesterday", expiry_date=today - timedelta(days=1))
    ExpirationFactory(item="Cancelled", expiry_date=today, is_cancelled=True)

    response = staff_client.get(widget_url("expirations_upcoming"))

    context = response.context
    assert [e.pk for e in context["upcoming_rows"]] == [
        today_one.pk,
        in_three.pk,
        last_day.pk,
    ]
    assert context["upcoming_count"] == 3
    assert context["upcoming_amount"] == Decimal("45.50")
    html = response.content.decode()
    assert "Grace Hopper" in html
    assert "Yearly plan" in html
    assert "30.00" in html
    assert reverse("expirations:staff_tab", args=[customer.pk]) in html
    assert "Day 7" not in html and "Yesterday" not in html and "Cancelled" not in html


def test_upcoming_is_limited_but_counts_all(staff_client):
    today = timezone.localdate()
    for index in range(UPCOMING_LIMIT + 4):
        ExpirationFactory(expiry_date=today + timedelta(days=index % 7))

    response = staff_client.get(widget_url("expirations_upcoming"))

    assert len(response.context["upcoming_rows"]) == UPCOMING_LIMIT
    assert response.context["upcoming_count"] == UPCOMING_LIMIT + 4
    assert "All of them in the report" in response.content.decode()


def test_todo_lists_open_actions_due_today(staff_client):
    customer = CustomerFactory(first_name="Alan", last_name="Turing")
    due = action_due(customer, title="Call about renewal")
    action_due(title="Done already", done=True)
    action_due(title="Tomorrow", days=1)
    action_due(title="Yesterday", days=-1)

    response = staff_client.get(widget_url("todo_today"))

    assert [a.pk for a in response.context["todo_rows"]] == [due.pk]
    assert response.context["todo_count"] == 1
    html = response.content.decode()
    assert "Call about renewal" in html and "Alan Turing" in html
    assert reverse("expirations:todo_done", args=[due.pk]) in html
    assert "Tomorrow" not in html and "Done already" not in html


def test_todo_mark_done_in_place_with_htmx(staff_client):
    action = action_due(title="Send the quote")

    response = staff_client.post(
        reverse("expirations:todo_done", args=[action.pk]),
        {"done": "1"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith(f'<li id="todo-{action.pk}" data-done="1"')
    assert "Undo" in html
    action.refresh_from_db()
    assert action.done and action.done_at is not None
    widget = staff_client.get(widget_url("todo_today"))
    assert widget.context["todo_count"] == 0


def _oob_count(html: str) -> str:
    count = html.split('<p class="figure" id="todo-count"')[1].split("</p>")[0]
    assert 'hx-swap-oob="true"' in count
    return count.split("<strong>")[1].split("</strong>")[0]


def test_todo_done_with_htmx_sends_the_new_count_out_of_band(staff_client):
    action = action_due(title="Send the quote")
    action_due(title="Call back")
    widget = staff_client.get(widget_url("todo_today")).content.decode()
    assert 'id="todo-count"' in widget and "hx-swap-oob" not in widget

    url = reverse("expirations:todo_done", args=[action.pk])
    done = staff_client.post(url, {"done": "1"}, headers={"HX-Request": "true"})
    assert _oob_count(done.content.decode()) == "1"

    undone = staff_client.post(url, {"done": "0"}, headers={"HX-Request": "true"})
    assert _oob_count(undone.content.decode()) == "2"


def test_todo_undo_with_htmx(staff_client):
    action = action_due(done=True)

    response = staff_client.post(
        reverse("expirations:todo_done", args=[action.pk]),
        {"done": "0"},
        headers={"HX-Request": "true"},
    )

    assert 'data-done="0"' in response.content.decode()
    action.refresh_from_db()
    assert not action.done and action.done_at is None


def test_todo_mark_done_plain_post_redirects(staff_client):
    action = action_due()

    response = staff_client.post(reverse("expirations:todo_done", args=[action.pk]))

    assert response.status_code == 302
    assert response["Location"] == DASHBOARD
    action.refresh_from_db()
    assert action.done


def test_todo_mark_done_needs_permission(client):
    client.force_login(staff_with("customers.view_customer"))
    action = action_due()

    response = client.post(reverse("expirations:todo_done", args=[action.pk]))
    page = client.get(widget_url("todo_today")).content.decode()

    assert response.status_code == 403
    action.refresh_from_db()
    assert not action.done
    assert reverse("expirations:todo_done", args=[action.pk]) not in page


def test_todo_mark_done_unknown_action_404(staff_client):
    url = reverse("expirations:todo_done", args=[987654])
    assert staff_client.post(url).status_code == 404


def test_widget_view_unknown_key_404(staff_client):
    assert staff_client.get(widget_url("balance")).status_code == 404
    assert staff_client.get(widget_url("nothing")).status_code == 404


@pytest.mark.parametrize("key", ["expirations_upcoming", "todo_today"])
def test_widget_queries_constant(staff_client, key):
    today = timezone.localdate()
    ExpirationFactory(expiry_date=today)
    action_due()
    staff_client.get(widget_url(key))
    with CaptureQueriesContext(connection) as few:
        staff_client.get(widget_url(key))

    product = ServiceProductFactory()
    for index in range(12):
        ExpirationFactory(
            expiry_date=today + timedelta(days=index % 7),
            product=product if index % 2 else None,
        )
        action_due()
    with CaptureQueriesContext(connection) as many:
        staff_client.get(widget_url(key))

    assert len(many.captured_queries) == len(few.captured_queries)


def test_dashboard_queries_constant(staff_client):
    today = timezone.localdate()
    ExpirationFactory(expiry_date=today)
    action_due()
    staff_client.get(DASHBOARD)
    with CaptureQueriesContext(connection) as few:
        staff_client.get(DASHBOARD)

    for index in range(12):
        ExpirationFactory(expiry_date=today + timedelta(days=index % 7))
        action_due()
    with CaptureQueriesContext(connection) as many:
        staff_client.get(DASHBOARD)

    assert len(many.captured_queries) == len(few.captured_queries)
