"""Shared services: transactional e-mail and the built-in staff groups."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core import plugins
from core.models import SentEmail, SentEmailAttachment

logger = logging.getLogger(__name__)

EMAIL_MAX_ATTEMPTS = 5
# Context kept only until the e-mail is sent (a generated password, a reset link):
# templates read it as {{ secret.name }}; afterwards the sent-log keeps no copy.
SECRET_CONTEXT_KEY = "secret"
SECRET_REMOVED = "[removed after sending]"


def supported_language(language: str | None) -> str:
    """The language to use for ``language``: itself if we speak it, else the default."""
    codes = {code for code, _name in settings.LANGUAGES}
    if language:
        language = language.lower().replace("_", "-")
        if language in codes:
            return language
        if language.split("-")[0] in codes:
            return language.split("-")[0]
    return settings.LANGUAGE_CODE


@dataclass(frozen=True)
class EmailAttachment:
    """A file for :func:`email_queue`: its name, MIME type and bytes."""

    filename: str
    mimetype: str
    content: bytes


def attachments_check(attachments: Sequence[EmailAttachment]) -> None:
    """Refuses attachments larger, together, than ``EMAIL_ATTACHMENT_MAX_BYTES``."""
    limit = settings.EMAIL_ATTACHMENT_MAX_BYTES
    total = sum(len(attachment.content) for attachment in attachments)
    if total > limit:
        raise ValidationError(
            _(
                "The attachments are too large to send by e-mail: %(size)d bytes, "
                "at most %(limit)d."
            )
            % {"size": total, "limit": limit}
        )


def email_queue(
    *,
    event_key: str,
    to: str,
    template: str,
    context: dict | None = None,
    secret_context: dict | None = None,
    language: str | None = None,
    attachments: Sequence[EmailAttachment] = (),
) -> SentEmail:
    """Asks for one e-mail about one event, sent once the transaction commits.

    ``event_key`` names the event ("customer.credentials:42:2026-11-25T10:00"): asking
    twice for the same key returns the first request and sends nothing more.
    ``template`` names a folder under ``templates/emails/`` with ``subject.txt``,
    ``body.txt`` and ``body.html``; ``context`` must be JSON-serialisable, as it is
    rendered later, by a worker, in the recipient's ``language``. ``secret_context``
    (passwords, one-time links) is rendered as ``{{ secret.<name> }}`` and erased from
    the sent-log once the e-mail has left or has been given up. ``attachments``
    are stored with the e-mail (at most ``EMAIL_ATTACHMENT_MAX_BYTES`` together,
    else ``ValidationError``), so a retried delivery sends the same bytes.
    """
    from core.tasks import email_deliver_task

    attachments_check(attachments)
    try:
        with transaction.atomic():
            sent_email, created = SentEmail.objects.get_or_create(
                event_key=event_key,
                defaults={
                    "to": to,
                    "template": template,
                    "context": {
                        **(context or {}),
                        **(
                            {SECRET_CONTEXT_KEY: secret_context}
                            if secret_context
                            else {}
                        ),
                    },
                    "language": supported_language(language),
                },
            )
            if created and attachments:
                SentEmailAttachment.objects.bulk_create(
                    SentEmailAttachment(
                        sent_email=sent_email,
                        filename=attachment.filename,
                        mimetype=attachment.mimetype,
                        content=attachment.content,
                        size=len(attachment.content),
                    )
                    for attachment in attachments
                )
    except IntegrityError:
        # Another transaction created the same event at the same moment.
        return SentEmail.objects.get(event_key=event_key)
    if created:
        email_deliver_task.delay_on_commit(sent_email.pk)
    return sent_email


@dataclass(frozen=True)
class EmailRequest:
    """One e-mail for :func:`email_queue_many` (the same fields as ``email_queue``)."""

    event_key: str
    to: str
    template: str
    context: dict
    language: str | None = None
    attachments: tuple[EmailAttachment, ...] = ()


# E-mails queued together are delivered by one task per this many.
EMAIL_DELIVERY_CHUNK = 50


def email_queue_many(requests: Iterable[EmailRequest]) -> int:
    """:func:`email_queue` for many e-mails at once (a periodic job's batch).

    One query finds the keys already queued, one inserts the others, and one
    delivery task per ``EMAIL_DELIVERY_CHUNK`` e-mails is sent after the commit (an
    e-mail whose sending fails stays queued for ``email_flush_queued_task``).
    Returns how many e-mails were new.
    """
    from core.tasks import email_deliver_many_task

    wanted = {request.event_key: request for request in requests}
    if not wanted:
        return 0
    for request in wanted.values():
        attachments_check(request.attachments)
    known = set(
        SentEmail.objects.filter(event_key__in=list(wanted)).values_list(
            "event_key", flat=True
        )
    )
    new = [request for key, request in wanted.items() if key not in known]
    try:
        with transaction.atomic():
            created = SentEmail.objects.bulk_create(
                SentEmail(
                    event_key=request.event_key,
                    to=request.to,
                    template=request.template,
                    context=request.context,
                    language=supported_language(request.language),
                )
                for request in new
            )
            SentEmailAttachment.objects.bulk_create(
                SentEmailAttachment(
                    sent_email=sent_email,
                    filename=attachment.filename,
                    mimetype=attachment.mimetype,
                    content=attachment.content,
                    size=len(attachment.content),
                )
                for sent_email, request in zip(created, new, strict=True)
                for attachment in request.attachments
            )
    except IntegrityError:
        # Another transaction queued some of them meanwhile: one by one.
        for request in new:
            email_queue(
                event_key=request.event_key,
                to=request.to,
                template=request.template,
                context=request.context,
                language=request.language,
                attachments=request.attachments,
            )
        return len(new)
    ids = [sent_email.pk for sent_email in created]
    for start in range(0, len(ids), EMAIL_DELIVERY_CHUNK):
        email_deliver_many_task.delay_on_commit(
            ids[start : start + EMAIL_DELIVERY_CHUNK]
        )
    return len(created)


def email_render(sent_email: SentEmail) -> EmailMultiAlternatives:
    folder = f"emails/{sent_email.template}"
    context = {**sent_email.context, "site_name": settings.CLIENTELA_BUSINESS_NAME}
    with translation.override(sent_email.language):
        subject = render_to_string(f"{folder}/subject.txt", context).strip()
        text_body = render_to_string(f"{folder}/body.txt", context)
        html_body = render_to_string(f"{folder}/body.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.splitlines()),
        body=text_body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[sent_email.to],
        # Extra headers a sender asked for (a funnel e-mail's List-Unsubscribe).
        headers=sent_email.context.get("headers") or None,
    )
    message.attach_alternative(html_body, "text/html")
    for attachment in sent_email.attachments.all():
        message.attach(
            attachment.filename, bytes(attachment.content), attachment.mimetype
        )
    return message


@dataclass(frozen=True)
class DeliveryOutcome:
    sent: bool
    retry: bool = False


def email_deliver(*, sent_email_id: int) -> DeliveryOutcome:
    """Sends a queued e-mail at most once.

    The row is claimed (``queued`` → ``sending``) under a lock before anything
    leaves, so a second run, or a run after a worker died halfway, finds it claimed
    and sends nothing.
    A failure to send puts it back in the queue, up to ``EMAIL_MAX_ATTEMPTS`` tries.
    """
    with transaction.atomic():
        sent_email = (
            SentEmail.objects.select_for_update().filter(pk=sent_email_id).first()
        )
        if sent_email is None or sent_email.status != SentEmail.Status.QUEUED:
            return DeliveryOutcome(sent=False)
        sent_email.status = SentEmail.Status.SENDING
        sent_email.attempts += 1
        sent_email.save(update_fields=["status", "attempts"])

    try:
        message = email_render(sent_email)
        message.send()
    except Exception as exc:  # noqa: BLE001 - any failure is recorded on the row
        logger.warning("E-mail %s failed: %s", sent_email.pk, exc)
        give_up = sent_email.attempts >= EMAIL_MAX_ATTEMPTS
        sent_email.status = (
            SentEmail.Status.FAILED if give_up else SentEmail.Status.QUEUED
        )
        sent_email.error = str(exc)[:2000]
        if give_up:
            secrets_erase(sent_email)
        sent_email.save(update_fields=["status", "error", "context"])
        return DeliveryOutcome(sent=False, retry=not give_up)

    sent_email.status = SentEmail.Status.SENT
    sent_email.subject = message.subject[:255]
    sent_email.sent_at = timezone.now()
    sent_email.error = ""
    secrets_erase(sent_email)
    sent_email.save(update_fields=["status", "subject", "sent_at", "error", "context"])
    return DeliveryOutcome(sent=True)


def secrets_erase(sent_email: SentEmail) -> None:
    secrets = sent_email.context.get(SECRET_CONTEXT_KEY)
    if secrets:
        sent_email.context[SECRET_CONTEXT_KEY] = dict.fromkeys(secrets, SECRET_REMOVED)


def staff_groups_sync() -> None:
    """Creates the built-in groups and grants them what the installed apps ask for.

    Runs after every ``migrate``; it only adds, so permissions a manager granted by hand
    are kept.
    """
    wanted: dict[str, set[str]] = {}
    for entry in plugins.role_permissions:
        wanted.setdefault(entry.group, set()).update(entry.permissions)
    for group_name, permission_names in wanted.items():
        group, _created = Group.objects.get_or_create(name=group_name)
        for name in sorted(permission_names):
            app_label, codename = name.split(".", 1)
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is None:
                logger.warning("Unknown permission %s for group %s", name, group_name)
                continue
            group.permissions.add(permission)
