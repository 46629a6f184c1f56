"""What the balance app plugs into the hub: timeline, permissions, beat, action."""

from decimal import Decimal

import pytest
from django.conf import settings

from balance.services import entry_reverse
from config.celery import app as celery_app
from core import plugins
from customers.timeline import customer_timeline
from tests.balance.support import STAFF, credit
from tests.core.factories import UserFactory
from tests.customers.factories import CustomerFactory


@pytest.mark.django_db
def test_every_entry_appears_in_the_customer_timeline(manager_user):
    customer = CustomerFactory()
    first = credit(customer, "12.50", note="Welcome credit")
    entry_reverse(entry_id=first.pk, reason="Wrong amount", author=STAFF)
    credit(customer, "10.00")
    page = customer_timeline(
        user=manager_user, customer=customer, type_filter="balance"
    )
    titles = [str(event.title) for event in page.events]
    assert titles == [
        "Credit: 10.00 EUR (balance 10.00 EUR)",
        "Reversal: -12.50 EUR (balance 0.00 EUR)",
        "Credit: 12.50 EUR (balance 12.50 EUR), deleted",
    ]
    assert page.events[2].body == "Welcome credit"
    assert page.events[1].body == "Wrong amount"
    only_reversals = customer_timeline(
        user=manager_user, customer=customer, type_filter="balance:reversal"
    )
    assert len(only_reversals.events) == 1


@pytest.mark.django_db
def test_the_timeline_hides_entries_from_users_without_the_permission():
    customer = CustomerFactory()
    credit(customer, "1.00")
    page = customer_timeline(user=UserFactory(), customer=customer)
    assert all(event.source != "balance" for event in page.events)


@pytest.mark.django_db
def test_the_built_in_groups_get_the_balance_permissions(staff_user, manager_user):
    assert staff_user.has_perm("balance.view_entry")
    assert staff_user.has_perm("balance.view_withdrawal")
    assert not staff_user.has_perm("balance.add_entry")
    assert not staff_user.has_perm("balance.approve_withdrawal")
    for permission in (
        "balance.add_entry",
        "balance.view_entry",
        "balance.approve_withdrawal",
        "balance.view_withdrawal",
        "balance.change_gift",
    ):
        assert manager_user.has_perm(permission)
    # Entries are never changed or deleted: there is no permission to give.
    assert not manager_user.has_perm("balance.change_entry")
    assert not manager_user.has_perm("balance.delete_entry")


def test_beat_runs_the_gifts_every_hour():
    entry = settings.CELERY_BEAT_SCHEDULE["balance-gifts-run"]
    assert entry["task"] == "balance.tasks.gifts_run_task"
    assert entry["schedule"].total_seconds() == 3600
    import balance.tasks  # noqa: F401 - registers the task

    task = celery_app.tasks["balance.tasks.gifts_run_task"]
    assert task.time_limit and task.soft_time_limit
    assert (
        task.time_limit < settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    )


def test_the_assign_credits_action_is_known_by_name():
    action = plugins.automation_actions.get("balance.assign_credits")
    assert action is not None
    assert str(action.label) == "Assign credits"


@pytest.mark.django_db
def test_money_is_decimal_on_the_way_out():
    entry = credit(CustomerFactory(), "0.10")
    assert isinstance(entry.amount, Decimal)
    assert isinstance(entry.balance_after, Decimal)


@pytest.mark.django_db
def test_both_groups_see_payout_details_changes_on_the_timeline(
    staff_user, manager_user
):
    for user in (staff_user, manager_user):
        assert user.has_perm("balance.view_payoutdetailschange")
    customer = CustomerFactory()
    assert all(
        event.source != "payout_changes"
        for event in customer_timeline(user=UserFactory(), customer=customer).events
    )
