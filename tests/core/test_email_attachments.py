"""Files attached to core's e-mails: stored once when queued, sent with the
e-mail, the same bytes on a retried delivery, bounded in size, and named on the
staff E-mails page."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from core import services
from core.models import SentEmail, SentEmailAttachment

pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]

CSV = b"month,net\n2026-01-01,70.00\n"


def files(message):
    """A message's attachments as (name, bytes, type): Django gives text as str."""
    return [
        (name, content.encode() if isinstance(content, str) else content, mimetype)
        for name, content, mimetype in message.attachments
    ]


def queue(event_key="report:1:2026-03-02:1", attachments=None):
    return services.email_queue(
        event_key=event_key,
        to="ana@example.com",
        template="password_reset",
        context={"name": "Ana"},
        secret_context={"reset_url": "https://example.com/reset/abc/"},
        attachments=attachments
        if attachments is not None
        else [services.EmailAttachment("figures.csv", "text/csv", CSV)],
    )


def test_attachment_is_stored_once_and_sent(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sent = queue()
        again = queue()
    assert again.pk == sent.pk
    stored = SentEmailAttachment.objects.get()
    assert (stored.sent_email_id, stored.filename, stored.size) == (
        sent.pk,
        "figures.csv",
        len(CSV),
    )
    assert len(mail.outbox) == 1
    assert files(mail.outbox[0]) == [("figures.csv", CSV, "text/csv")]


def test_a_retried_delivery_sends_the_same_file(settings):
    settings.EMAIL_BACKEND = "tests.core.failing_backend.FailingBackend"
    sent = queue()
    assert services.email_deliver(sent_email_id=sent.pk).retry is True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert services.email_deliver(sent_email_id=sent.pk).sent is True
    assert SentEmailAttachment.objects.count() == 1
    assert files(mail.outbox[0]) == [("figures.csv", CSV, "text/csv")]


def test_attachments_larger_than_the_setting_are_refused(settings):
    settings.EMAIL_ATTACHMENT_MAX_BYTES = 10
    with pytest.raises(ValidationError, match="too large"):
        queue()
    assert not SentEmail.objects.exists()


def test_queue_many_stores_each_emails_attachments(
    django_capture_on_commit_callbacks,
):
    requests = [
        services.EmailRequest(
            event_key=f"many:{n}",
            to=f"p{n}@example.com",
            template="password_reset",
            context={"name": "P"},
            attachments=(
                services.EmailAttachment(f"f{n}.csv", "text/csv", b"n%d" % n),
            ),
        )
        for n in range(3)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        assert services.email_queue_many(requests) == 3
    by_to = {message.to[0]: files(message) for message in mail.outbox}
    assert by_to == {
        f"p{n}@example.com": [(f"f{n}.csv", b"n%d" % n, "text/csv")] for n in range(3)
    }


def test_the_emails_page_names_the_attachments(client, manager_user):
    queue()
    queue(event_key="plain", attachments=[])
    client.force_login(manager_user)
    response = client.get("/staff/emails/")
    assert response.status_code == 200
    assert "figures.csv" in response.content.decode()
