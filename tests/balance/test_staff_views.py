"""The staff side of the balance: card tab, list column and filter, withdrawals."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from balance.models import Entry, Withdrawal
from balance.services import Author, withdrawal_request
from balance.services.account import withdrawal_request_from_account
from balance.services.payout import payout_details_save
from core.models import SentEmail
from customers.models import Customer
from tests.balance.support import assert_ledger_consistent, credit, key
from tests.core.factories import StaffFactory
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def staff_with(*codenames):
    user = StaffFactory()
    for codename in codenames:
        app, name = codename.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app, codename=name)
        )
    return user


VIEW = ("customers.view_customer", "balance.view_entry")
ADD = (*VIEW, "balance.add_entry")


@pytest.fixture
def adder(client):
    client.force_login(staff_with(*ADD))
    return client


def post_operation(client, customer, **data):
    payload = {"direction": "credit", "amount": "12,50", "note": "", "nonce": key()}
    payload.update(data)
    return client.post(reverse("balance:operation", args=[customer.pk]), payload)


def test_tab_shows_balance_and_history(adder):
    customer = CustomerFactory()
    credit(customer, "20.00", note="refund of the mug")

    response = adder.get(reverse("balance:tab", args=[customer.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "refund of the mug" in html
    assert "20.00" in html


def test_tab_pages_the_history_without_counting_it(adder):
    customer = CustomerFactory()
    for number in range(51):
        credit(customer, "1.00", note=f"operation {number}")
    url = reverse("balance:tab", args=[customer.pk])

    with CaptureQueriesContext(connection) as queries:
        first = adder.get(url)
    assert not any(
        "COUNT(" in query["sql"].upper() and "balance_entry" in query["sql"]
        for query in queries
    )
    assert first.context["page_obj"].has_next()
    assert "operation 50" in first.content.decode()
    second = adder.get(url, {"page": "2"})
    assert "operation 0<" in second.content.decode()
    assert not second.context["page_obj"].has_next()
    for bad in ["abc", "-1"]:
        assert adder.get(url, {"page": bad}).context["page_obj"].number == 1
    # Past the end: the last page (it used to be the first).
    assert adder.get(url, {"page": "99"}).context["page_obj"].number == 2


def test_tab_needs_view_entry(client):
    customer = CustomerFactory()
    client.force_login(staff_with("customers.view_customer"))

    response = client.get(reverse("balance:tab", args=[customer.pk]))

    assert response.status_code == 403


def test_tab_unknown_customer_is_404(adder):
    assert adder.get(reverse("balance:tab", args=[999999])).status_code == 404


def test_operation_credit_accepts_comma_and_emails_customer(adder):
    customer = CustomerFactory(language="it")

    response = post_operation(adder, customer, amount="12,50", note="gesture")

    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.balance == Decimal("12.50")
    entry = Entry.objects.get(customer=customer)
    assert entry.kind == Entry.Kind.MANUAL_CREDIT
    assert entry.note == "gesture"
    email = SentEmail.objects.get()
    assert email.event_key == f"balance.credit_received:{entry.pk}"
    assert email.language == "it"


def test_operation_double_submit_posts_once(adder):
    customer = CustomerFactory()
    nonce = key()

    post_operation(adder, customer, nonce=nonce)
    post_operation(adder, customer, nonce=nonce)

    assert Entry.objects.filter(customer=customer).count() == 1
    assert SentEmail.objects.count() == 1


def test_operation_debit_may_go_negative(adder):
    customer = CustomerFactory()

    post_operation(adder, customer, direction="debit", amount="5")

    customer.refresh_from_db()
    assert customer.balance == Decimal("-5.00")
    assert not SentEmail.objects.exists()
    assert_ledger_consistent(customer)


@pytest.mark.parametrize("amount", ["abc", "0", "1.234", "-3", ""])
def test_operation_bad_amount_refused_next_to_field(adder, amount):
    customer = CustomerFactory()

    response = post_operation(adder, customer, amount=amount)

    assert response.status_code == 400
    assert response.context["operation_form"].errors["amount"]
    assert not Entry.objects.exists()


def test_operation_needs_add_entry(client):
    customer = CustomerFactory()
    client.force_login(staff_with(*VIEW))

    response = post_operation(client, customer)

    assert response.status_code == 403
    assert not Entry.objects.exists()


def test_reverse_posts_reversal_and_strikes_both(adder):
    customer = CustomerFactory()
    entry = credit(customer, "30.00")

    response = adder.post(
        reverse("balance:reverse", args=[customer.pk, entry.pk]),
        {"reason": "typo"},
    )

    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.balance == Decimal("0.00")
    reversal = Entry.objects.get(reversal_of=entry)
    html = adder.get(reverse("balance:tab", args=[customer.pk])).content.decode()
    assert html.count('class="balance-reversed"') == 2
    assert f'id="entry-{reversal.pk}"' in html
    assert_ledger_consistent(customer)


def test_reverse_needs_reason(adder):
    customer = CustomerFactory()
    entry = credit(customer, "30.00")

    response = adder.post(
        reverse("balance:reverse", args=[customer.pk, entry.pk]), {"reason": " "}
    )

    assert response.status_code == 400
    assert not Entry.objects.filter(reversal_of=entry).exists()


def test_reverse_of_withdrawal_entry_refused_with_service_message(adder):
    customer = CustomerFactory()
    credit(customer, "50.00")
    withdrawal = withdrawal_request(
        customer_id=customer.pk,
        amount=Decimal("10.00"),
        payout_details={"iban_last4": "3000", "bank_name": "Commerzbank"},
        idempotency_key=key(),
    )
    from balance.services import withdrawal_approve, withdrawal_pay

    withdrawal_approve(withdrawal_id=withdrawal.pk, decided_by=None)
    withdrawal_pay(
        withdrawal_id=withdrawal.pk,
        payout_reference="TR-1",
        decided_by=None,
    )
    entry = Entry.objects.get(customer=customer, kind=Entry.Kind.WITHDRAWAL)

    response = adder.post(
        reverse("balance:reverse", args=[customer.pk, entry.pk]), {"reason": "x"}
    )

    assert response.status_code == 400
    assert response.context["reverse_form"].errors["reason"]
    assert not Entry.objects.filter(reversal_of=entry).exists()


def test_reverse_other_customers_entry_is_404(adder):
    customer, other = CustomerFactory(), CustomerFactory()
    entry = credit(other, "30.00")

    response = adder.post(
        reverse("balance:reverse", args=[customer.pk, entry.pk]), {"reason": "x"}
    )

    assert response.status_code == 404


def test_history_filters_by_kind(adder):
    customer = CustomerFactory()
    credit(customer, "30.00", note="the-credit")
    post_operation(adder, customer, direction="debit", amount="1", note="the-debit")

    response = adder.get(
        reverse("balance:tab", args=[customer.pk]), {"kind": "manual_debit"}
    )

    html = response.content.decode()
    assert "the-debit" in html
    assert "the-credit" not in html


def test_list_balance_filter_and_sort(client):
    client.force_login(StaffFactory(groups=["Manager"]))
    rich = CustomerFactory(email="rich@example.com")
    poor = CustomerFactory(email="poor@example.com")
    credit(rich, "100.00")
    from balance.services import balance_debit
    from tests.balance.support import STAFF

    balance_debit(
        customer_id=poor.pk,
        amount=Decimal("5"),
        author=STAFF,
        idempotency_key=key(),
    )

    above = client.get(reverse("customers:list"), {"balance_gt": "50"})
    below = client.get(reverse("customers:list"), {"balance_lt": "0"})
    ordered = client.get(reverse("customers:list"), {"sort": "-balance"})

    assert [r.record.pk for r in above.context["table"].page.object_list] == [rich.pk]
    assert [r.record.pk for r in below.context["table"].page.object_list] == [poor.pk]
    assert ordered.context["table"].page.object_list[0].record.pk == rich.pk


def test_list_with_balance_column_stays_constant_query(client):
    client.force_login(StaffFactory(groups=["Manager"]))
    Customer.objects.bulk_create(
        Customer(email=f"c{index}@example.com", balance=Decimal(index))
        for index in range(120)
    )
    url = reverse("customers:list")
    client.get(url)

    counts = []
    for per_page in (25, 100):
        with CaptureQueriesContext(connection) as context:
            response = client.get(url, {"per_page": per_page, "balance_gt": "-1"})
        assert response.status_code == 200
        assert "Balance" in response.content.decode()
        counts.append(len(context.captured_queries))

    assert counts[0] == counts[1]


def test_sidebar_shows_balance_and_last_operation(adder):
    customer = CustomerFactory()
    credit(customer, "7.00")

    response = adder.get(reverse("customers:card", args=[customer.pk]))

    html = response.content.decode()
    assert "7.00" in html


# Withdrawals


def pending_withdrawal(amount="10.00"):
    customer = CustomerFactory(language="es")
    credit(customer, "50.00")
    withdrawal = withdrawal_request(
        customer_id=customer.pk,
        amount=Decimal(amount),
        payout_details={"iban_last4": "3000", "bank_name": "Commerzbank"},
        idempotency_key=key(),
    )
    return customer, withdrawal


@pytest.fixture
def approver(client):
    client.force_login(
        staff_with("balance.view_withdrawal", "balance.approve_withdrawal")
    )
    return client


def action(client, withdrawal, name, **data):
    return client.post(
        reverse("balance:withdrawal_action", args=[withdrawal.pk, name]), data
    )


def test_withdrawals_page_lists_pending_first(approver):
    _, paid = pending_withdrawal()
    Withdrawal.objects.filter(pk=paid.pk)  # keep order: pending created later
    action(approver, paid, "reject", reason="no")
    _, pending = pending_withdrawal()

    response = approver.get(reverse("balance:withdrawals"))

    rows = list(response.context["page_obj"].object_list)
    assert rows[0].pk == pending.pk
    html = response.content.decode()
    assert "3000" in html
    assert "DE89370400440532013000" not in html


def test_withdrawals_page_needs_view_permission(client):
    client.force_login(StaffFactory())

    assert client.get(reverse("balance:withdrawals")).status_code == 403


def test_withdrawal_approve_then_pay_emails_customer(approver):
    customer, withdrawal = pending_withdrawal()

    assert action(approver, withdrawal, "approve").status_code == 302
    assert action(approver, withdrawal, "pay", payout_reference="TR-9").status_code
    withdrawal.refresh_from_db()

    assert withdrawal.status == Withdrawal.Status.PAID
    assert withdrawal.payout_reference == "TR-9"
    keys = set(SentEmail.objects.values_list("event_key", flat=True))
    assert f"balance.withdrawal_approved:{withdrawal.pk}" in keys
    assert f"balance.withdrawal_paid:{withdrawal.pk}" in keys
    customer.refresh_from_db()
    assert customer.balance == Decimal("40.00")
    assert_ledger_consistent(customer)


def test_withdrawal_reject_needs_reason_and_releases(approver):
    customer, withdrawal = pending_withdrawal()

    refused = action(approver, withdrawal, "reject", reason="")
    done = action(approver, withdrawal, "reject", reason="Missing IBAN")

    assert refused.status_code == 400
    assert done.status_code == 302
    withdrawal.refresh_from_db()
    assert withdrawal.status == Withdrawal.Status.REJECTED
    assert withdrawal.rejection_reason == "Missing IBAN"
    email = SentEmail.objects.get(
        event_key=f"balance.withdrawal_rejected:{withdrawal.pk}"
    )
    assert email.language == "es"
    customer.refresh_from_db()
    assert customer.balance_held == Decimal("0.00")


def test_withdrawal_pay_needs_reference(approver):
    _, withdrawal = pending_withdrawal()

    response = action(approver, withdrawal, "pay", payout_reference="")

    assert response.status_code == 400
    withdrawal.refresh_from_db()
    assert withdrawal.status == Withdrawal.Status.PENDING


def test_withdrawal_actions_need_approve_permission(client):
    client.force_login(staff_with("balance.view_withdrawal"))
    _, withdrawal = pending_withdrawal()

    response = action(client, withdrawal, "approve")

    assert response.status_code == 403
    withdrawal.refresh_from_db()
    assert withdrawal.status == Withdrawal.Status.PENDING


def test_withdrawal_unknown_action_is_404(approver):
    _, withdrawal = pending_withdrawal()

    assert action(approver, withdrawal, "explode").status_code == 404


def test_author_is_staff_user(adder):
    customer = CustomerFactory()
    post_operation(adder, customer)

    entry = Entry.objects.get(customer=customer)
    assert entry.author_kind == Author.staff().kind
    assert entry.author_user_id is not None


# Settings

SETTINGS_DATA = {
    "credits_section_enabled": "on",
    "credits_intro_en": "Your credits",
    "withdrawals_enabled": "on",
    "withdrawal_minimum": "25.00",
    "payout_change_review_hours": "72",
    "message_below_minimum_en": "Not yet",
    "message_minimum_reached_en": "You can withdraw",
    "checkout_message_en": "Use {balance}, save {balance-value}",
    "checkout_button_text_en": "Pay with credits",
    "checkout_button_colour": "#AA3300",
    "checkout_button_style": "outline",
    "staff_notification_emails": "a@example.com\n\n b@example.com ",
}


def test_settings_saved_by_manager(client):
    from balance.models import BalanceSettings

    client.force_login(StaffFactory(groups=["Manager"]))

    response = client.post(reverse("balance:settings"), SETTINGS_DATA)

    assert response.status_code == 302
    saved = BalanceSettings.load()
    assert saved.withdrawal_minimum == Decimal("25.00")
    assert saved.payout_change_review_hours == 72
    assert saved.checkout_button_colour == "#aa3300"
    assert saved.staff_notification_emails == "a@example.com\nb@example.com"
    assert not saved.checkout_enabled


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("checkout_button_colour", "red"),
        ("staff_notification_emails", "a@example.com\nnot-an-address"),
        ("withdrawal_minimum", "0"),
        ("payout_change_review_hours", "0"),
        ("payout_change_review_hours", ""),
    ],
)
def test_settings_bad_value_refused(client, field, value):
    from balance.models import BalanceSettings

    client.force_login(StaffFactory(groups=["Manager"]))

    response = client.post(reverse("balance:settings"), {**SETTINGS_DATA, field: value})

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert BalanceSettings.load().credits_intro == {}


def test_settings_need_change_permission(client):
    client.force_login(StaffFactory(groups=["Staff"]))

    assert client.get(reverse("balance:settings")).status_code == 403


# Dashboard widget: the built-in saved report on balance.movements


def balance_report(response):
    """The balance's built-in report among the dashboard's pinned reports."""
    return next(
        item
        for item in response.context["reports"]
        if item["saved"].preset_key == "dashboard"
        and item["saved"].source_key == "balance.movements"
    )


def test_dashboard_balance_report_totals_of_the_last_30_days(client):
    from balance.services import balance_debit
    from tests.balance.support import STAFF

    client.force_login(StaffFactory(groups=["Manager"]))
    customer = CustomerFactory()
    credit(customer, "30.00", note="w-credit")
    balance_debit(
        customer_id=customer.pk,
        amount=Decimal("5"),
        author=STAFF,
        idempotency_key=key(),
    )

    response = client.get(reverse("staff:dashboard"))

    assert response.status_code == 200
    item = balance_report(response)
    assert item["name"] == "Balance, last 30 days"
    assert dict(item["totals"]) == {
        "Credits": "30.00",
        "Debits": "5.00",
        "Net": "25.00",
        "Operations": "2",
    }
    # A bar per day of the last 30 days (today the last), drawn by the engine.
    assert len(item["chart"]["labels"]) == 30
    credits = item["chart"]["series"][0]
    assert credits["label"] == "Credits"
    assert credits["values"][-1] == "30.00"
    assert set(credits["values"][:-1]) == {"0.00"}
    html = response.content.decode()
    assert f'id="report-chart-{item["saved"].pk}"' in html
    assert "Balance, last 30 days" in html


def test_dashboard_balance_report_leaves_reversed_pairs_out_of_figures_and_list(client):
    """Crediting 1,000,000,000 and deleting it (a reversal) moves no money: the
    totals and the recent operations show only what still counts, and say so."""
    from balance.services import balance_debit, entry_reverse
    from tests.balance.support import STAFF

    client.force_login(StaffFactory(groups=["Manager"]))
    customer = CustomerFactory()
    mistake = credit(customer, "1000000000.00")
    entry_reverse(entry_id=mistake.pk, reason="typo", author=STAFF)
    credit(customer, "30.00")
    balance_debit(
        customer_id=customer.pk,
        amount=Decimal("5"),
        author=STAFF,
        idempotency_key=key(),
    )

    response = client.get(reverse("staff:dashboard"))

    item = balance_report(response)
    assert dict(item["totals"])["Credits"] == "30.00"
    assert dict(item["totals"])["Net"] == "25.00"
    assert dict(item["totals"])["Operations"] == "2"
    assert [entry.amount for entry in item["extra"]["latest"]] == [
        Decimal("-5.00"),
        Decimal("30.00"),
    ]
    html = response.content.decode()
    recent = html[html.index('data-testid="balance-recent-operations"') :]
    recent = recent[: recent.index("</table>")]
    assert "1,000,000,000" not in recent and "Reversal" not in recent
    assert "30.00" in recent
    assert "Deleted operations and their reversals are left out." in html


def test_dashboard_balance_report_is_one_shared_saved_report_each_may_unpin(client):
    from reports.models import SavedReport

    manager, other = StaffFactory(groups=["Manager"]), StaffFactory(groups=["Manager"])
    client.force_login(manager)
    client.get(reverse("staff:dashboard"))
    client.force_login(other)
    client.get(reverse("staff:dashboard"))

    built_in = SavedReport.objects.get(preset_key="dashboard")
    assert built_in.owner is None
    assert built_in.visibility == SavedReport.Visibility.STAFF
    assert built_in.choices["rows"] == ["day"]
    client.post(reverse("reports:saved_pin", args=[built_in.pk]), {"pinned": "0"})
    assert (
        b"Balance, last 30 days" not in client.get(reverse("staff:dashboard")).content
    )
    # Still pinned for the others, and the builder opens it as a saved report.
    client.force_login(manager)
    assert b"Balance, last 30 days" in client.get(reverse("staff:dashboard")).content
    opened = client.get(reverse("reports:saved_open", args=[built_in.pk]), follow=True)
    assert opened.status_code == 200
    assert opened.context["source"].key == "balance.movements"
    # Nobody owns it: nobody renames or deletes it.
    client.post(reverse("reports:saved_delete", args=[built_in.pk]))
    assert SavedReport.objects.filter(pk=built_in.pk).exists()


def test_dashboard_balance_report_queries_stay_constant(
    client, django_assert_max_num_queries
):
    """The same number of queries for one entry as for many entries and pairs."""
    from balance.services import entry_reverse
    from tests.balance.support import STAFF

    client.force_login(StaffFactory(groups=["Manager"]))
    credit(CustomerFactory(), "1.00")
    client.get(reverse("staff:dashboard"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("staff:dashboard"))
    for _ in range(5):
        customer = CustomerFactory()
        credit(customer, "3.00")
        entry_reverse(entry_id=credit(customer, "9.00").pk, reason="typo", author=STAFF)

    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse("staff:dashboard"))

    assert dict(balance_report(response)["totals"])["Operations"] == "6"


# Periodic gifts

GIFT_DATA = {
    "description": "Monthly thanks",
    "amount": "5,00",
    "schedule": "monthly",
    "day_of_month": "15",
    "audience": "everyone",
    "start_date": "2026-01-01",
}


@pytest.fixture
def gift_manager(client):
    client.force_login(StaffFactory(groups=["Manager"]))
    return client


def test_gift_created_and_listed_with_runs(gift_manager):
    from balance.models import Gift, GiftRun

    response = gift_manager.post(reverse("balance:gifts"), GIFT_DATA)

    assert response.status_code == 302
    gift = Gift.objects.get()
    assert gift.amount == Decimal("5.00")
    assert gift.day_of_month == 15
    GiftRun.objects.create(
        gift=gift, period="2026-11", customers_count=3, total_amount=Decimal("15")
    )
    html = gift_manager.get(reverse("balance:gifts")).content.decode()
    assert "2026-11" in html
    assert "15.00" in html


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"day_of_month": "32"}, "day_of_month"),
        ({"day_of_month": ""}, "day_of_month"),
        ({"amount": "0"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"audience": "tag"}, "tag"),
        (
            {"audience": "balance_range", "balance_min": "50", "balance_max": "10"},
            "balance_max",
        ),
    ],
)
def test_gift_bad_input_refused(gift_manager, changes, field):
    from balance.models import Gift

    response = gift_manager.post(reverse("balance:gifts"), {**GIFT_DATA, **changes})

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not Gift.objects.exists()


def test_gift_edit_and_deactivate(gift_manager):
    from balance.models import Gift

    gift_manager.post(reverse("balance:gifts"), GIFT_DATA)
    gift = Gift.objects.get()

    edited = gift_manager.post(
        reverse("balance:gift_edit", args=[gift.pk]),
        {**GIFT_DATA, "schedule": "weekly", "weekday": "0", "day_of_month": ""},
    )
    deactivated = gift_manager.post(
        reverse("balance:gift_active", args=[gift.pk]), {"active": "0"}
    )

    assert edited.status_code == 302
    assert deactivated.status_code == 302
    gift.refresh_from_db()
    assert (gift.schedule, gift.weekday, gift.day_of_month) == ("weekly", 0, None)
    assert not gift.active


def test_gift_change_needs_permission(client):
    client.force_login(StaffFactory(groups=["Staff"]))

    listed = client.get(reverse("balance:gifts"))
    created = client.post(reverse("balance:gifts"), GIFT_DATA)

    assert listed.status_code == 200
    assert created.status_code == 403


def test_sidebar_names_last_operation(adder):
    customer = CustomerFactory()
    credit(customer, "7.00")
    post_operation(adder, customer, direction="debit", amount="2")

    html = adder.get(reverse("customers:card", args=[customer.pk])).content.decode()

    assert "5.00" in html
    assert "last: −2.00" in html


def test_history_is_paginated(adder):
    customer = CustomerFactory()
    for _ in range(55):
        credit(customer, "1.00")

    first = adder.get(reverse("balance:tab", args=[customer.pk]))
    second = adder.get(reverse("balance:tab", args=[customer.pk]), {"page": 2})

    assert len(first.context["page_obj"].object_list) == 50
    assert len(second.context["page_obj"].object_list) == 5


def test_dashboard_widget_hidden_without_view_entry(client):
    client.force_login(staff_with("customers.view_customer"))

    response = client.get(reverse("staff:dashboard"))

    assert b"Balance, last 30 days" not in response.content
    assert b"balance-recent-operations" not in response.content


# Paying out needs the funds at pay time


def test_manager_debit_into_held_money_warns_and_the_payout_is_refused(client):
    """Balance 100, a pending withdrawal of 70, a Manager debits 100: the debit
    warns that the withdrawal can no longer be paid, and paying it is refused with
    the balance and what is missing; nothing is posted."""
    client.force_login(StaffFactory(groups=["Manager"]))
    customer = CustomerFactory()
    credit(customer, "100.00")
    withdrawal = withdrawal_request(
        customer_id=customer.pk,
        amount=Decimal("70.00"),
        payout_details={"iban_last4": "3000"},
        idempotency_key=key(),
    )

    response = post_operation(
        client, customer, direction="debit", amount="100", note="Correction"
    )
    page = client.get(response["Location"]).content.decode()
    assert (
        "The balance (0.00 EUR) no longer covers the 70.00 EUR set aside for "
        f"withdrawal #{withdrawal.pk} of 70.00 EUR: it can no longer be paid unless "
        "the customer is credited 70.00 EUR more."
    ) in page

    assert action(client, withdrawal, "approve").status_code == 302
    listing = client.get(reverse("balance:withdrawals")).content.decode()
    assert "No longer covers this withdrawal" in listing
    refused = action(client, withdrawal, "pay", payout_reference="TR-1")

    assert refused.status_code == 400
    assert (
        "The balance (0.00 EUR) no longer covers this withdrawal of 70.00 EUR: "
        "70.00 EUR is missing."
    ) in refused.content.decode()
    withdrawal.refresh_from_db()
    assert withdrawal.status == Withdrawal.Status.APPROVED
    assert withdrawal.payout_reference == ""
    assert not Entry.objects.filter(kind=Entry.Kind.WITHDRAWAL).exists()
    customer.refresh_from_db()
    assert (customer.balance, customer.balance_held) == (
        Decimal("0.00"),
        Decimal("70.00"),
    )
    assert not SentEmail.objects.filter(
        event_key=f"balance.withdrawal_paid:{withdrawal.pk}"
    ).exists()
    assert_ledger_consistent(customer)


def test_debit_within_the_available_balance_does_not_warn(adder):
    customer = CustomerFactory()
    credit(customer, "100.00")
    withdrawal_request(
        customer_id=customer.pk,
        amount=Decimal("70.00"),
        payout_details={},
        idempotency_key=key(),
    )
    response = post_operation(adder, customer, direction="debit", amount="30")
    page = adder.get(response["Location"]).content.decode()
    assert "The operation was posted." in page
    assert "no longer covers" not in page


# A withdrawal soon after a payout details change needs a second look


def flagged_withdrawal(amount="30.00"):
    customer = CustomerFactory(first_name="Marta")
    credit(customer, "50.00")
    payout_details_save(
        customer=customer,
        account_holder="Marta Neri",
        iban="IT60X0542811101000000123456",
        paypal_email="",
        actor=customer.user,
    )
    withdrawal = withdrawal_request_from_account(
        customer=customer, amount=Decimal(amount), idempotency_key=key()
    )
    return customer, withdrawal


@pytest.fixture
def withdrawals_on():
    from balance.models import BalanceSettings

    row = BalanceSettings.load()
    row.withdrawals_enabled = True
    row.withdrawal_minimum = Decimal("10.00")
    row.save()
    return row


def test_withdrawal_after_a_payout_change_is_flagged_and_needs_a_confirmation(
    approver, withdrawals_on
):
    customer, withdrawal = flagged_withdrawal()
    assert withdrawal.payout_change is not None

    listing = approver.get(reverse("balance:withdrawals")).content.decode()
    row = listing.split(f'id="withdrawal-{withdrawal.pk}"')[1].split("</tr>")[0]
    assert "Payout details changed just before" in row
    assert "IBAN: (none) → IT•• •••• •••• 3456" in row
    assert 'name="payout_change_checked"' in row
    assert "Approve after checking" in row

    refused = action(approver, withdrawal, "approve")

    assert refused.status_code == 400
    page = refused.content.decode()
    assert "Payout details changed on" in page
    assert "IBAN: (none) → IT•• •••• •••• 3456" in page
    assert "confirm that you checked the change with the customer" in page
    withdrawal.refresh_from_db()
    assert withdrawal.status == Withdrawal.Status.PENDING
    assert withdrawal.decided_by is None
    assert not SentEmail.objects.filter(
        event_key=f"balance.withdrawal_approved:{withdrawal.pk}"
    ).exists()

    done = action(approver, withdrawal, "approve", payout_change_checked="on")

    assert done.status_code == 302
    withdrawal.refresh_from_db()
    assert withdrawal.status == Withdrawal.Status.APPROVED


def test_withdrawal_past_the_review_window_is_not_flagged(approver, withdrawals_on):
    from balance.models import PayoutDetailsChange

    withdrawals_on.payout_change_review_hours = 24
    withdrawals_on.save()
    customer = CustomerFactory()
    credit(customer, "50.00")
    payout_details_save(
        customer=customer,
        account_holder="Marta Neri",
        iban="IT60X0542811101000000123456",
        paypal_email="",
    )
    PayoutDetailsChange.objects.update(created_at=timezone.now() - timedelta(hours=25))
    withdrawal = withdrawal_request_from_account(
        customer=customer, amount=Decimal("20.00"), idempotency_key=key()
    )

    assert withdrawal.payout_change is None
    row = approver.get(reverse("balance:withdrawals")).content.decode()
    assert "Payout details changed just before" not in row
    assert action(approver, withdrawal, "approve").status_code == 302


def test_history_filter_to_is_a_date_not_a_recipient_in_italian(adder):
    # "To" of a date range and "To" of an e-mail read differently in Italian.
    customer = CustomerFactory()
    url = reverse("balance:tab", args=[customer.pk])
    html = adder.get(url, HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert '<label for="id_date_to">Al:</label>' in html
    assert '<label for="id_date_from">Dal:</label>' in html
    assert "Destinatario" not in html
