"""The customer's stored last call (``Customer.last_call_at``): the action services
keep it equal to the newest ``created_at`` of the customer's actions of kind "call"."""

import importlib
import threading
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.models import Customer, CustomerAction
from customers.services import history as services
from tests.customers.factories import CustomerFactory

CALL = CustomerAction.Kind.CALL
NOTE = CustomerAction.Kind.NOTE


def stored_last_call(customer):
    return Customer.objects.values_list("last_call_at", flat=True).get(pk=customer.pk)


def logged(customer, *, kind=CALL, days_ago=None, actor=None):
    """An action through the service; ``days_ago`` moves its creation back (as an
    old call would be), then the customer's last call is recomputed."""
    action = services.action_create(
        customer=customer, actor=actor, title=f"A {kind}", kind=kind
    )
    if days_ago is not None:
        moment = timezone.now() - timedelta(days=days_ago)
        CustomerAction.objects.filter(pk=action.pk).update(created_at=moment)
        action.created_at = moment
        with transaction.atomic():
            services.customer_last_call_refresh(customer_id=customer.pk)
    return action


def edit(action, *, kind):
    return services.action_update(action=action, title=action.title, kind=kind)


@pytest.mark.django_db
def test_new_customer_was_never_called():
    assert stored_last_call(CustomerFactory()) is None


@pytest.mark.django_db
def test_action_create_call_stores_its_time(staff_user):
    customer = CustomerFactory()
    first = logged(customer, actor=staff_user)
    assert stored_last_call(customer) == first.created_at

    second = logged(customer, actor=staff_user)
    assert second.created_at >= first.created_at
    assert stored_last_call(customer) == second.created_at


@pytest.mark.django_db
def test_action_create_other_kinds_leave_it_alone(staff_user):
    customer = CustomerFactory()
    call = logged(customer, days_ago=3)
    for kind in CustomerAction.Kind.values:
        if kind != CALL:
            logged(customer, kind=kind, actor=staff_user)
    assert stored_last_call(customer) == call.created_at


@pytest.mark.django_db
def test_other_customers_calls_do_not_count():
    customer, other = CustomerFactory(), CustomerFactory()
    logged(other)
    assert stored_last_call(customer) is None


@pytest.mark.django_db
def test_kind_changed_to_call_counts_it():
    customer = CustomerFactory()
    logged(customer, days_ago=10)
    note = logged(customer, kind=NOTE, days_ago=1)

    edit(note, kind=CALL)

    assert stored_last_call(customer) == note.created_at


@pytest.mark.django_db
def test_kind_changed_from_call_falls_back_to_the_previous_call():
    customer = CustomerFactory()
    older = logged(customer, days_ago=10)
    newer = logged(customer, days_ago=1)

    edit(newer, kind=NOTE)
    assert stored_last_call(customer) == older.created_at

    edit(older, kind=CustomerAction.Kind.MEETING)
    assert stored_last_call(customer) is None


@pytest.mark.django_db
def test_action_update_without_kind_change_keeps_it():
    customer = CustomerFactory()
    call = logged(customer, days_ago=2)
    services.action_update(action=call, title="Renamed", kind=CALL, done=True)
    assert stored_last_call(customer) == call.created_at


@pytest.mark.django_db
def test_action_set_done_keeps_it():
    customer = CustomerFactory()
    call = logged(customer, days_ago=2)
    services.action_set_done(action=call, done=True)
    assert stored_last_call(customer) == call.created_at


@pytest.mark.django_db
def test_action_delete_of_the_last_call_falls_back():
    customer = CustomerFactory()
    older = logged(customer, days_ago=10)
    newer = logged(customer, days_ago=1)

    services.action_delete(action=newer)
    assert stored_last_call(customer) == older.created_at

    services.action_delete(action=older)
    assert stored_last_call(customer) is None


@pytest.mark.django_db
def test_action_delete_of_another_kind_keeps_it():
    customer = CustomerFactory()
    call = logged(customer, days_ago=5)
    note = logged(customer, kind=NOTE)
    services.action_delete(action=note)
    assert stored_last_call(customer) == call.created_at


@pytest.mark.django_db
def test_action_delete_reads_the_kind_it_has_now():
    """A page loaded while the action was a note, posted after it became a call."""
    customer = CustomerFactory()
    stale = logged(customer, kind=NOTE)
    edit(CustomerAction.objects.get(pk=stale.pk), kind=CALL)
    assert stored_last_call(customer) == stale.created_at

    services.action_delete(action=stale)

    assert stored_last_call(customer) is None


@pytest.mark.django_db
def test_action_delete_twice_is_harmless():
    customer = CustomerFactory()
    call = logged(customer)
    same = CustomerAction.objects.get(pk=call.pk)
    services.action_delete(action=call)
    services.action_delete(action=same)
    assert stored_last_call(customer) is None


@pytest.mark.django_db
def test_deleting_the_customer_with_calls_works():
    customer = CustomerFactory()
    logged(customer)
    customer.delete()
    assert not CustomerAction.objects.exists()


@pytest.mark.django_db
def test_refresh_is_two_statements():
    customer = CustomerFactory()
    logged(customer)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        services.customer_last_call_refresh(customer_id=customer.pk)
    statements = [query["sql"] for query in queries.captured_queries]
    assert len(statements) == 2
    assert "FOR UPDATE" in statements[0]
    assert statements[1].startswith("UPDATE")


@pytest.mark.django_db
@pytest.mark.both_dbs  # hand-written SQL
def test_rebuild_after_writes_that_skip_the_services():
    now = timezone.now()
    called, stale, never, untouched = CustomerFactory.create_batch(4)
    CustomerAction.objects.bulk_create(
        [
            CustomerAction(customer=called, kind=CALL, title="Old"),
            CustomerAction(customer=called, kind=CALL, title="New"),
            CustomerAction(customer=called, kind=NOTE, title="Newest note"),
            CustomerAction(customer=never, kind=NOTE, title="Note"),
        ]
    )
    for title, days_ago in (("Old", 9), ("New", 2), ("Newest note", 0)):
        CustomerAction.objects.filter(title=title).update(
            created_at=now - timedelta(days=days_ago)
        )
    kept = logged(untouched, days_ago=4)
    Customer.objects.filter(pk=stale.pk).update(last_call_at=now)  # no call left

    changed = services.customer_last_calls_rebuild()

    assert changed == 2
    assert stored_last_call(called) == now - timedelta(days=2)
    assert stored_last_call(stale) is None
    assert stored_last_call(never) is None
    assert stored_last_call(untouched) == kept.created_at
    assert services.customer_last_calls_rebuild() == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_leave_the_newest_call():
    """Another transaction logs a newer call and holds the customer row while ours
    inserts an older one: ours waits for it and then counts its call too."""
    customer = CustomerFactory()
    newer_at = timezone.now() + timedelta(hours=1)
    holding, errors = threading.Event(), []

    def other_writer():
        try:
            with transaction.atomic():
                action = CustomerAction.objects.create(
                    customer=customer, kind=CALL, title="Newer"
                )
                CustomerAction.objects.filter(pk=action.pk).update(created_at=newer_at)
                services.customer_last_call_refresh(customer_id=customer.pk)
                holding.set()
                # Commit only once our service is waiting for the row.
                threading.Event().wait(0.5)
        except BaseException as error:  # noqa: BLE001 - reported to the test
            errors.append(error)
            holding.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_writer)
    thread.start()
    assert holding.wait(timeout=30)
    ours = services.action_create(
        customer=customer, actor=None, title="Older", kind=CALL
    )
    thread.join(timeout=30)

    assert errors == []
    assert ours.created_at < newer_at
    assert stored_last_call(customer) == newer_at


@pytest.mark.django_db
@pytest.mark.both_dbs  # hand-written SQL
def test_migration_backfill_statement_sets_every_customers_last_call():
    migration = importlib.import_module(
        "customers.migrations.0008_customer_last_call_at"
    )
    called, never = CustomerFactory(), CustomerFactory()
    older = logged(called, days_ago=6)
    newer = logged(called, days_ago=2)
    logged(called, kind=NOTE)
    logged(never, kind=NOTE)
    Customer.objects.update(last_call_at=None)  # as the new column starts

    with connection.cursor() as cursor:
        cursor.execute(migration.LAST_CALLS_BACKFILL)

    assert older.created_at < newer.created_at
    assert stored_last_call(called) == newer.created_at
    assert stored_last_call(never) is None
