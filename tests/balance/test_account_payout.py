import logging

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client

from balance.models import PayoutDetails, PayoutDetailsChange
from balance.services.payout import (
    payout_details_read,
    payout_details_save,
    payout_display,
    payout_snapshot,
)
from core.impersonation import IMPERSONATED_SESSION_KEY, IMPERSONATOR_SESSION_KEY
from tests.core.factories import PASSWORD

pytestmark = pytest.mark.django_db

IBAN = "IT60X0542811101000000123456"
BANK = "Unione Di Banche Italiane SpA"  # schwifty's name for IBAN's bank
URL = "/account/credits/payout/"


def save(customer, **kwargs):
    values = {
        "account_holder": "Marta Neri",
        "iban": "it60 x054 2811 1010 0000 0123 456",
        "paypal_email": "marta@example.com",
        **kwargs,
    }
    return payout_details_save(customer=customer, **values)


def test_payout_details_save_encrypts_at_rest(customer):
    save(customer)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT iban_encrypted, paypal_email_encrypted, iban_last4, "
            "bank_name_encrypted FROM balance_payoutdetails WHERE customer_id = %s",
            [customer.pk],
        )
        iban_column, email_column, last4, bank_column = cursor.fetchone()
    assert IBAN not in iban_column
    assert "marta@example.com" not in email_column
    assert last4 == "3456"
    # The bank name is personal data too (issue 11): encrypted like the IBAN.
    assert bank_column
    assert BANK not in bank_column
    assert payout_details_read(customer)["bank_name"] == BANK


def test_payout_details_read_decrypts_for_owner(customer):
    save(customer)
    assert payout_details_read(customer) == {
        "account_holder": "Marta Neri",
        "iban": IBAN,
        "bank_name": BANK,  # schwifty knows this Italian bank
        "paypal_email": "marta@example.com",
    }


def test_payout_details_save_refuses_bad_iban(customer):
    with pytest.raises(ValidationError) as error:
        save(customer, iban="IT60X0542811101000000123457")
    assert "iban" in error.value.error_dict
    assert not PayoutDetails.objects.filter(customer=customer).exists()


def test_payout_details_save_refuses_bad_paypal_email(customer):
    with pytest.raises(ValidationError) as error:
        save(customer, paypal_email="not-an-email")
    assert "paypal_email" in error.value.error_dict


def test_payout_details_save_needs_iban_or_paypal(customer):
    with pytest.raises(ValidationError):
        save(customer, iban="", paypal_email="")


def test_payout_snapshot_has_no_plaintext(customer):
    save(customer)
    snapshot = payout_snapshot(customer)
    text = str(snapshot)
    assert IBAN not in text
    assert "marta@example.com" not in text
    assert snapshot["iban_last4"] == "3456"


def test_payout_display_masks_unless_unmasked(customer):
    save(customer)
    snapshot = payout_snapshot(customer)
    masked = payout_display(snapshot, unmasked=False)
    assert masked["iban"] == "IT•• •••• •••• 3456"
    assert masked["paypal_email"] == "m•••@example.com"
    assert masked["account_holder"] == "Marta Neri"
    unmasked = payout_display(snapshot, unmasked=True)
    assert unmasked["iban"] == "IT60 X054 2811 1010 0000 0123 456"
    assert unmasked["paypal_email"] == "marta@example.com"


def test_payout_display_empty_snapshot():
    assert payout_display({}, unmasked=False)["iban"] == ""


def test_payout_view_saves_with_password(customer_client, customer):
    response = customer_client.post(
        URL,
        {
            "account_holder": "Marta Neri",
            "iban": IBAN,
            "paypal_email": "",
            "current_password": PASSWORD,
        },
    )
    assert response.status_code == 302
    assert payout_details_read(customer)["iban"] == IBAN


def test_payout_view_refuses_wrong_password(customer_client, customer):
    response = customer_client.post(
        URL,
        {"account_holder": "M", "iban": IBAN, "current_password": "wrong"},
    )
    assert response.status_code == 200
    assert "The password is not correct." in response.content.decode()
    assert not PayoutDetails.objects.filter(customer=customer).exists()


def test_payout_view_shows_bad_iban_next_to_field(customer_client, customer):
    response = customer_client.post(
        URL,
        {"account_holder": "M", "iban": "IT00 1234", "current_password": PASSWORD},
    )
    assert response.status_code == 200
    assert "not a valid IBAN" in response.content.decode()
    assert response.context["form"].errors["iban"]
    assert not PayoutDetails.objects.filter(customer=customer).exists()


def test_payout_view_refused_while_impersonating(client, staff_user, customer):
    client.force_login(customer.user)
    session = client.session
    session[IMPERSONATOR_SESSION_KEY] = staff_user.pk
    session[IMPERSONATED_SESSION_KEY] = customer.user.pk
    session.save()
    response = client.post(
        URL,
        {"account_holder": "M", "iban": IBAN, "current_password": PASSWORD},
    )
    assert response.status_code == 403
    assert not PayoutDetails.objects.filter(customer=customer).exists()


def test_payout_view_never_logs_iban(customer_client, customer, caplog):
    with caplog.at_level(logging.DEBUG):
        customer_client.post(
            URL,
            {
                "account_holder": "Marta Neri",
                "iban": IBAN,
                "paypal_email": "marta@example.com",
                "current_password": PASSWORD,
            },
        )
        customer_client.get(URL)
    assert PayoutDetails.objects.filter(customer=customer).exists()
    logged = caplog.text + " ".join(str(r.args) for r in caplog.records)
    assert IBAN not in logged
    assert "0000 0123 456" not in logged
    assert "marta@example.com" not in logged


# Every change of the payout details is recorded, shown and e-mailed

NEW_IBAN = "DE89370400440532013000"


def post_payout(client, **data):
    return client.post(
        URL,
        {
            "account_holder": "Marta Neri",
            "iban": IBAN,
            "paypal_email": "",
            "current_password": PASSWORD,
            **data,
        },
    )


def test_payout_change_is_recorded_on_the_timeline_and_emailed(
    customer_client, customer, manager_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert post_payout(customer_client).status_code == 302
        assert post_payout(
            customer_client, iban=NEW_IBAN, account_holder="Ugo Rossi"
        ).status_code == (302)

    first, second = PayoutDetailsChange.objects.order_by("id")
    assert first.fields == ["iban", "account_holder", "bank_name"]
    assert second.fields == ["iban", "account_holder", "bank_name"]
    assert second.before["iban"] == "IT•• •••• •••• 3456"
    assert second.after["iban"] == "DE•• •••• •••• 3000"
    assert second.after["account_holder"] == "Ugo Rossi"
    assert second.actor == customer.user
    assert second.notified_to == [customer.email]
    for change in (first, second):
        assert IBAN not in str(change.before) + str(change.after)
        assert NEW_IBAN not in str(change.before) + str(change.after)

    assert len(mail.outbox) == 2
    message = mail.outbox[1]
    assert message.to == [customer.email]
    assert message.subject == "Your payout details changed"
    assert "IBAN: IT•• •••• •••• 3456 → DE•• •••• •••• 3000" in message.body
    assert "Account holder: Marta Neri → Ugo Rossi" in message.body
    assert "If you did not make this change" in message.body
    assert IBAN not in message.body
    assert NEW_IBAN not in message.body

    staff = Client()
    staff.force_login(manager_user)
    page = staff.get(f"/staff/customers/{customer.pk}/history/").content.decode()
    assert "Payout details changed: IBAN, Account holder, Bank" in page
    assert customer.user.email in page
    assert NEW_IBAN not in page


def test_saving_the_same_payout_details_again_records_nothing(
    customer_client, customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_payout(customer_client)
        post_payout(customer_client, iban="it60 x054 2811 1010 0000 0123 456")
    assert PayoutDetailsChange.objects.count() == 1
    assert len(mail.outbox) == 1


def test_payout_change_after_an_email_change_also_tells_the_previous_address(
    customer_client, customer, django_capture_on_commit_callbacks
):
    """Whoever holds the password moves the e-mail to theirs, then the IBAN: the
    address the customer had before still hears of it."""
    before = customer.email
    customer_client.post(
        "/account/profile/email/",
        {"email": "taker@example.com", "current_password": PASSWORD},
    )
    customer.refresh_from_db()
    assert customer.email == "taker@example.com"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        post_payout(customer_client, iban=NEW_IBAN)

    change = PayoutDetailsChange.objects.get()
    assert change.notified_to == ["taker@example.com", before]
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        ["taker@example.com", before]
    )
    assert {message.subject for message in mail.outbox} == {
        "Your payout details changed"
    }


def test_payout_change_by_the_service_names_no_actor_when_none(customer):
    save(customer)
    change = PayoutDetailsChange.objects.get()
    assert change.actor is None
    assert change.actor_label == ""
    assert change.fields == ["iban", "paypal_email", "account_holder", "bank_name"]
    assert change.before == {
        "iban": "",
        "paypal_email": "",
        "account_holder": "",
        "bank_name": "",
    }
    assert change.after["paypal_email"] == "m•••@example.com"


# The bank name: the customer's own, or found from the IBAN when left blank


def payout_form(client, **data):
    return client.post(
        URL,
        {
            "account_holder": "Marta Neri",
            "iban": IBAN,
            "bank_name": "",
            "paypal_email": "",
            "current_password": PASSWORD,
            **data,
        },
    )


def test_payout_form_bank_left_blank_is_found_from_the_iban(customer_client, customer):
    assert payout_form(customer_client).status_code == 302

    assert payout_details_read(customer)["bank_name"] == BANK
    form = customer_client.get(URL).context["form"]
    assert form.initial["bank_name"] == BANK


def test_payout_form_keeps_the_bank_name_given_encrypted(customer_client, customer):
    assert payout_form(customer_client, bank_name="  UBI   Banca ").status_code == 302

    assert payout_details_read(customer)["bank_name"] == "UBI Banca"
    encrypted = PayoutDetails.objects.get(customer=customer).bank_name_encrypted
    assert "UBI" not in encrypted


def test_payout_form_bank_name_change_is_recorded_and_emailed(
    customer_client, customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        payout_form(customer_client)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert payout_form(customer_client, bank_name="UBI Banca").status_code == 302

    change = PayoutDetailsChange.objects.order_by("id").last()
    assert change.fields == ["bank_name"]
    assert change.before["bank_name"] == BANK
    assert change.after["bank_name"] == "UBI Banca"
    (message,) = mail.outbox
    assert message.subject == "Your payout details changed"
    assert f"Bank: {BANK} → UBI Banca" in message.body


def test_payout_form_new_iban_replaces_the_previous_ibans_bank(
    customer_client, customer
):
    payout_form(customer_client)
    # The form comes back with the old bank prefilled; only the IBAN is changed.
    assert payout_form(customer_client, iban=NEW_IBAN, bank_name=BANK).status_code == (
        302
    )

    assert payout_details_read(customer)["bank_name"] == "Commerzbank"


def test_payout_form_refuses_a_bank_without_an_iban(customer_client, customer):
    response = payout_form(
        customer_client, iban="", bank_name="UBI Banca", paypal_email="m@example.com"
    )

    assert response.status_code == 200
    assert response.context["form"].errors["bank_name"]
    assert not PayoutDetails.objects.filter(customer=customer).exists()
