"""The login page's "Send the link again": a new e-mail confirmation request, asked
by someone who is not logged in, within hourly limits.

Like the password reset (see ``customers.services.password_reset``), the limits
count the e-mails in the sent-log (``core.SentEmail``), which every web process
shares, and the visitor is answered the same whether an e-mail went or not: the
page never tells which addresses have an account, or whether they are confirmed.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.models import SentEmail
from customers.models import Customer
from customers.services.login import confirmation_queue
from customers.services.profile import normalize_email

logger = logging.getLogger(__name__)

TEMPLATE = "email_confirmation"
WINDOW = timedelta(hours=1)


def confirmation_resend_limited(*, email: str, client_ip: str) -> bool:
    """True when one more confirmation e-mail to ``email``, asked from
    ``client_ip``, would pass either hourly limit."""
    recent = SentEmail.objects.filter(
        template=TEMPLATE, created_at__gte=timezone.now() - WINDOW
    )
    if (
        recent.filter(to__iexact=email).count()
        >= settings.CLIENTELA_CONFIRMATION_RESEND_PER_EMAIL_PER_HOUR
    ):
        return True
    return bool(client_ip) and (
        recent.filter(context__client_ip=client_ip).count()
        >= settings.CLIENTELA_CONFIRMATION_RESEND_PER_IP_PER_HOUR
    )


@transaction.atomic(durable=True)
def customer_confirmation_resend(*, email: str, client_ip: str, site_url: str) -> bool:
    """E-mails a new confirmation link to the customer who logs in with ``email``,
    if their address is not confirmed yet and no limit is reached.

    False when nothing was sent, for whatever reason; the caller answers the same
    either way.
    """
    email = normalize_email(email or "")
    if not email:
        return False
    # The customer's row is locked, so two requests at once cannot both pass the limit.
    customer = (
        Customer.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(
            email__iexact=email,
            email_confirmed_at__isnull=True,
            user__is_active=True,
        )
        .first()
    )
    if customer is None:
        return False
    if confirmation_resend_limited(email=customer.email, client_ip=client_ip):
        logger.warning("E-mail confirmation not sent again: hourly limit reached.")
        return False
    return confirmation_queue(
        customer,
        request_key=f"resend:{secrets.token_urlsafe(16)}",
        site_url=site_url,
        actor=None,
        client_ip=client_ip,
    )


@transaction.atomic(durable=True)
def customer_confirmation_on_login(*, customer: Customer, site_url: str) -> bool:
    """The customer gave their right password but their address is not confirmed:
    if no confirmation request ever went to this address (a login older than the
    rule), one goes now, once, so that "we sent you a link" holds."""
    customer = Customer.objects.select_for_update(of=("self",)).get(pk=customer.pk)
    if customer.email_confirmed_at is not None or not customer.email:
        return False
    if SentEmail.objects.filter(template=TEMPLATE, to__iexact=customer.email).exists():
        return False
    return confirmation_queue(
        customer,
        request_key=f"login:{normalize_email(customer.email)}",
        site_url=site_url,
        actor=None,
    )
