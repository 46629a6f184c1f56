import pytest
from django.core import mail

from core import services
from core.models import SentEmail

# The embedded default runs this too: make test-sqlite runs it on SQLite.
pytestmark = pytest.mark.both_dbs


@pytest.fixture
def queue_reset_email():
    def queue(event_key="reset:1", language="en", to="ana@example.com"):
        return services.email_queue(
            event_key=event_key,
            to=to,
            template="password_reset",
            context={"name": "Ana"},
            secret_context={"reset_url": "https://example.com/reset/abc/"},
            language=language,
        )

    return queue


@pytest.mark.django_db
def test_email_queue_sends_after_commit(
    queue_reset_email, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queue_reset_email()
    assert len(mail.outbox) == 0, "nothing leaves before the transaction commits"
    assert len(callbacks) == 1
    callbacks[0]()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ana@example.com"]
    assert message.subject == "Choose a new password"
    assert "https://example.com/reset/abc/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "Hello Ana," in html
    sent = SentEmail.objects.get()
    assert sent.status == SentEmail.Status.SENT
    assert sent.subject == "Choose a new password"
    assert sent.sent_at is not None
    assert "reset/abc" not in str(sent.context), "the sent-log keeps no secret"
    assert sent.context["name"] == "Ana"


@pytest.mark.django_db
def test_email_queue_same_event_sends_once(
    queue_reset_email, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = queue_reset_email()
        second = queue_reset_email()
    assert first.pk == second.pk
    assert len(mail.outbox) == 1
    assert SentEmail.objects.count() == 1


@pytest.mark.django_db
def test_email_deliver_twice_sends_once(queue_reset_email):
    sent = queue_reset_email()
    assert services.email_deliver(sent_email_id=sent.pk).sent is True
    assert services.email_deliver(sent_email_id=sent.pk).sent is False
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_email_claimed_by_a_worker_that_died_is_not_sent_again(queue_reset_email):
    sent = queue_reset_email()
    SentEmail.objects.filter(pk=sent.pk).update(status=SentEmail.Status.SENDING)
    assert services.email_deliver(sent_email_id=sent.pk).sent is False
    assert len(mail.outbox) == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "subject"),
    [
        ("es", "Elige una nueva contraseña"),
        ("it", "Scegli una nuova password"),
        ("pt", "Escolha uma nova senha"),
        ("pt-br", "Escolha uma nova senha"),
        ("xx", "Choose a new password"),
    ],
)
def test_email_is_rendered_in_the_recipients_language(
    queue_reset_email, django_capture_on_commit_callbacks, language, subject
):
    with django_capture_on_commit_callbacks(execute=True):
        queue_reset_email(language=language)
    assert mail.outbox[0].subject == subject


@pytest.mark.django_db
def test_email_failure_is_recorded_and_retried(queue_reset_email, settings):
    settings.EMAIL_BACKEND = "tests.core.failing_backend.FailingBackend"
    sent = queue_reset_email()
    outcome = services.email_deliver(sent_email_id=sent.pk)
    sent.refresh_from_db()
    assert outcome == services.DeliveryOutcome(sent=False, retry=True)
    assert sent.status == SentEmail.Status.QUEUED
    assert "SMTP is down" in sent.error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert services.email_deliver(sent_email_id=sent.pk).sent is True
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_email_gives_up_after_max_attempts(queue_reset_email, settings):
    settings.EMAIL_BACKEND = "tests.core.failing_backend.FailingBackend"
    sent = queue_reset_email()
    for _attempt in range(services.EMAIL_MAX_ATTEMPTS):
        services.email_deliver(sent_email_id=sent.pk)
    sent.refresh_from_db()
    assert sent.status == SentEmail.Status.FAILED
    assert sent.attempts == services.EMAIL_MAX_ATTEMPTS
    assert "reset/abc" not in str(sent.context)


@pytest.mark.django_db
def test_sent_email_page_lists_messages_for_managers(
    client, manager_user, staff_user, queue_reset_email
):
    queue_reset_email(to="listed@example.com")
    client.force_login(staff_user)
    assert client.get("/staff/emails/").status_code == 403
    client.force_login(manager_user)
    response = client.get("/staff/emails/")
    assert response.status_code == 200
    assert "listed@example.com" in response.content.decode()


@pytest.mark.django_db
def test_email_carries_the_business_name(
    queue_reset_email, django_capture_on_commit_callbacks, settings
):
    settings.CLIENTELA_BUSINESS_NAME = "Studio Neri"
    with django_capture_on_commit_callbacks(execute=True):
        queue_reset_email()
    html, _mimetype = mail.outbox[0].alternatives[0]
    assert "Studio Neri" in html
