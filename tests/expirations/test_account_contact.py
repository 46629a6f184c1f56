"""A service near expiry that cannot be renewed online: the customer is told how to
renew it ("contact us"), on My expirations and on the area's home panel."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.expirations.factories import ExpirationFactory, ServiceProductFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/account/expirations/"
HOME_URL = "/account/"


def in_days(days: int):
    return timezone.localdate() + timedelta(days=days)


def contact_block(content: str, expiration) -> str:
    marker = f'data-testid="renew-contact-{expiration.pk}"'
    assert marker in content
    start = content.index(marker)
    return content[start : content.index("</p>", start)]


@pytest.mark.parametrize("url", [LIST_URL, HOME_URL])
def test_custom_service_near_expiry_says_contact_us(customer_client, customer, url):
    custom = ExpirationFactory(
        customer=customer, item="Server care plan", expiry_date=in_days(4)
    )

    content = customer_client.get(url).content.decode()

    assert "Server care plan" in content
    assert reverse("expirations:account_renew", args=[custom.pk]) not in content
    block = contact_block(content, custom)
    assert "contact us" in block
    assert f'href="{reverse("account:support")}"' in block


def test_contact_text_gives_the_business_email_and_phone(
    customer_client, customer, settings
):
    settings.CLIENTELA_CONTACT_EMAIL = "office@example.com"
    settings.CLIENTELA_CONTACT_PHONE = "+39 06 1234 5678"
    custom = ExpirationFactory(customer=customer, expiry_date=in_days(4))

    block = contact_block(customer_client.get(LIST_URL).content.decode(), custom)

    assert "contact us to renew it" in block
    assert 'href="mailto:office@example.com"' in block
    assert 'href="tel:+390612345678"' in block
    assert "+39 06 1234 5678" in block


def test_no_contact_text_before_the_renew_window_nor_for_a_shop_service(
    customer_client, customer
):
    far = ExpirationFactory(customer=customer, expiry_date=in_days(90))
    shop = ExpirationFactory(
        customer=customer, product=ServiceProductFactory(), expiry_date=in_days(4)
    )

    content = customer_client.get(LIST_URL).content.decode()

    assert f'data-testid="renew-contact-{far.pk}"' not in content
    assert f'data-testid="renew-contact-{shop.pk}"' not in content
    assert reverse("expirations:account_renew", args=[shop.pk]) in content


def test_home_panel_shows_the_soonest_due_service_with_its_renew_button(
    customer_client, customer
):
    shop = ExpirationFactory(
        customer=customer, product=ServiceProductFactory(), expiry_date=in_days(3)
    )
    ExpirationFactory(customer=customer, item="Later plan", expiry_date=in_days(9))

    content = customer_client.get(HOME_URL).content.decode()

    assert reverse("expirations:account_renew", args=[shop.pk]) in content
    assert "Later plan" not in content
    assert "renew-contact-" not in content
