"""seed_demo's referrals: a few referrers with referred customers and commissions
in each state, made through the services, added once however often it runs."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from balance.models import Entry
from balance.verification import balance_mismatches
from customers.models import Customer
from referrals import demo
from referrals.models import Commission, Referral, ReferralEvent, ReferralVisit
from selling.models import Order
from tests.customers.factories import CustomerFactory
from tests.referrals.support import D, pay, place, refer, rules
from tests.selling.factories import ProductFactory

pytestmark = pytest.mark.django_db

S = Commission.Status


def seed_demo(customers: int = 30) -> str:
    output = StringIO()
    call_command("seed_demo", customers=customers, stdout=output)
    return output.getvalue()


def snapshot() -> dict[str, object]:
    return {
        "referrals": sorted(Referral.objects.values_list("referred", "referrer")),
        "events": ReferralEvent.objects.count(),
        "commissions": sorted(Commission.objects.values_list("pk", "status", "amount")),
        "entries": Entry.objects.filter(kind__in=["referral", "reversal"]).count(),
        "orders": Order.objects.filter(idempotency_key__startswith="demo:referral:")
        .order_by("pk")
        .count(),
        "visits": sorted(ReferralVisit.objects.values_list("code", "count")),
    }


def test_seed_demo_adds_referrers_with_commissions_in_each_state_once():
    output = seed_demo()

    referrals = Referral.objects.select_related("referrer", "referred")
    referrers = {referral.referrer for referral in referrals}
    assert len(referrers) == len(demo.DEMO_REFERRERS)
    assert referrals.count() == sum(len(r.referred) for r in demo.DEMO_REFERRERS)
    assert all(r.source == Referral.Source.LINK for r in referrals)
    assert all(r.events.get().kind == ReferralEvent.Kind.CREATED for r in referrals)
    assert all(
        referral.referred.source == "demo" and referral.referrer.source == "demo"
        for referral in referrals
    )
    statuses = sorted(Commission.objects.values_list("status", flat=True))
    assert statuses == sorted(
        [S.AVAILABLE] * 3 + [S.PENDING] * 2 + [S.REVERSED, S.CANCELLED]
    )
    for commission in Commission.objects.select_related("order", "entry"):
        assert commission.referrer == commission.referral.referrer
        if commission.status == S.PENDING:
            assert commission.order.status == Order.Status.PAID
            assert commission.entry is None
        if commission.status == S.AVAILABLE:
            assert commission.entry.kind == Entry.Kind.REFERRAL
            assert commission.entry.amount == commission.amount
            assert commission.available_at <= commission.credited_at
        if commission.status == S.REVERSED:
            assert commission.order.status == Order.Status.REFUNDED
            assert commission.reversal_entry.reversal_of_id == commission.entry_id
            assert commission.reversal_entry.amount == -commission.amount
        if commission.status == S.CANCELLED:
            assert commission.order.status == Order.Status.REFUNDED
            assert commission.entry is None
    # The referrers' balances are their ledgers' sums; the visits were counted.
    assert not list(balance_mismatches())
    assert ReferralVisit.objects.exists()
    assert "Referrals: 9 referrals and 7 commissions added" in output

    before = snapshot()
    output = seed_demo()

    assert snapshot() == before
    assert "Referrals: 0 referrals and 0 commissions added" in output


def run_seeder() -> tuple[int, list[str]]:
    lines: list[str] = []
    added = demo.demo_referrals_seed(
        Customer.objects.filter(source="demo"), seed=2026, log=lines.append
    )
    return added, lines


def test_an_interrupted_run_is_finished_and_others_data_left_alone():
    ProductFactory(name=demo.DEMO_PRODUCT, price=D("190.00"))
    people = CustomerFactory.create_batch(12, source="demo")
    referrers, referred = people[:3], people[3:]
    # Someone else referred one of the chosen customers; another one paid an
    # order of their own; a third's demo commission stopped half-way (pending
    # where the plan wants it available).
    outsider = CustomerFactory()
    refer(referred[1], outsider)
    pay(place(referred[2], (ProductFactory(price=D("10.00")), 1)))
    first_added, lines = run_seeder()
    assert any("referred by someone else" in line for line in lines)
    assert any("already has orders" in line for line in lines)
    assert Referral.objects.get(referred=referred[1]).referrer == outsider
    assert not Commission.objects.filter(order__customer=referred[2]).exists()

    available = Commission.objects.filter(referral__referred=referred[0]).get()
    assert available.status == S.AVAILABLE
    # A run stopped between the payment and the credit: the next one credits it.
    order = Order.objects.get(customer=referred[0])
    assert order.idempotency_key == demo.order_key(referred[0])
    Commission.objects.filter(pk=available.pk).update(
        status=S.PENDING, entry=None, credited_at=None
    )
    added, lines = run_seeder()
    available.refresh_from_db()
    assert available.status == S.AVAILABLE
    # Credited once: the ledger's key found the first entry.
    assert (
        Entry.objects.filter(
            customer=referrers[0], idempotency_key=f"referral:order:{order.pk}"
        ).count()
        == 1
    )
    assert added == 1
    assert run_seeder()[0] == 0


def test_no_demo_data_when_nobody_may_refer():
    from customers.models import Tag

    rules(referrers="tag", referrer_tag=Tag.objects.create(name="Partners"))
    ProductFactory()
    CustomerFactory.create_batch(6, source="demo")
    added, lines = run_seeder()
    assert added == 0
    assert not Referral.objects.exists()
    assert sum("may not refer" in line for line in lines) == 3
