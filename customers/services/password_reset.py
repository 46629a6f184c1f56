"""The customer area's password reset e-mail, with its limits.

The limits count the reset e-mails in the sent-log (``core.SentEmail``), in the
database that every web process shares: Django's cache is per process here (no
``CACHES`` is configured, so each gunicorn worker has its own memory), and a limit
kept there would be multiplied by the workers and forgotten at each restart.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from core.models import SentEmail
from core.services import email_queue

logger = logging.getLogger(__name__)

TEMPLATE = "password_reset"
WINDOW = timedelta(hours=1)
# Kept in the e-mail's context (not its secrets, which are erased once sent), so the
# limit per client address can count it.
CLIENT_IP_KEY = "client_ip"


def password_reset_limited(*, email: str, client_ip: str) -> bool:
    """True when a reset e-mail to ``email``, asked from ``client_ip``, would pass
    either hourly limit."""
    recent = SentEmail.objects.filter(
        template=TEMPLATE, created_at__gte=timezone.now() - WINDOW
    )
    if (
        recent.filter(to=email).count()
        >= settings.CLIENTELA_PASSWORD_RESET_PER_EMAIL_PER_HOUR
    ):
        return True
    return bool(client_ip) and (
        recent.filter(**{f"context__{CLIENT_IP_KEY}": client_ip}).count()
        >= settings.CLIENTELA_PASSWORD_RESET_PER_IP_PER_HOUR
    )


@transaction.atomic(durable=True)
def password_reset_email_queue(
    *,
    user,
    to: str,
    event_key: str,
    name: str,
    reset_url: str,
    language: str | None,
    client_ip: str,
) -> bool:
    """Queues the reset link for ``user``, unless a limit is reached (False, and
    nothing is sent: the visitor is answered the same either way)."""
    # One request at a time per account, so two at once cannot both pass the limit.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    if password_reset_limited(email=to, client_ip=client_ip):
        logger.warning("Password reset e-mail not sent: hourly limit reached.")
        return False
    email_queue(
        event_key=event_key,
        to=to,
        template=TEMPLATE,
        context={"name": name, CLIENT_IP_KEY: client_ip},
        secret_context={"reset_url": reset_url},
        language=language,
    )
    return True
