from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core import plugins
from customers.models import (
    ActionAttachment,
    CustomerAction,
    CustomerEvent,
    PushDevice,
    SupportRequest,
)
from customers.services import history as services
from customers.timeline import customer_timeline
from tests.core.factories import PASSWORD
from tests.customers.factories import CustomerFactory
from tests.customers.history_helpers import (
    EXE_BYTES,
    JPEG_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    docx_bytes,
    pdf,
    upload,
)

pytestmark = pytest.mark.django_db

ROME = ZoneInfo("Europe/Rome")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_note_sanitize_keeps_simple_formatting_and_safe_links():
    html = services.note_sanitize(
        "<p>Call <b>back</b> <em>soon</em></p><ul><li>one</li></ul>"
        '<a href="https://example.com/x">site</a> <a href="mailto:a@b.it">mail</a>'
    )
    assert html == (
        "<p>Call <b>back</b> <em>soon</em></p><ul><li>one</li></ul>"
        '<a href="https://example.com/x" rel="noopener">site</a> '
        '<a href="mailto:a@b.it" rel="noopener">mail</a>'
    )


def test_note_sanitize_removes_scripts_handlers_and_javascript_urls():
    html = services.note_sanitize(
        '<p onclick="steal()">Hi<script>alert(1)</script></p>'
        '<a href="javascript:alert(1)">x</a><img src=x onerror="alert(1)">'
        '<a href="/relative">r</a><style>p{}</style><iframe src="https://e.vil">'
    )
    assert "script" not in html
    assert "alert" not in html
    assert "onclick" not in html
    assert "onerror" not in html
    assert "<img" not in html
    assert "iframe" not in html
    assert "javascript" not in html
    assert 'href="/relative"' not in html
    assert html.startswith("<p>Hi</p>")


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("offer.pdf", PDF_BYTES, "application/pdf"),
        ("photo.PNG", PNG_BYTES, "image/png"),
        ("photo.jpeg", JPEG_BYTES, "image/jpeg"),
        ("notes.txt", "Caffè e cornetto\n".encode(), "text/plain; charset=utf-8"),
        ("rows.csv", b"name;city\nAnna;Roma\n", "text/csv; charset=utf-8"),
        (
            "letter.docx",
            docx_bytes(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
)
def test_attachment_check_accepts_real_files(name, content, content_type):
    assert services.attachment_check(upload(name, content)) == (name, content_type)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("setup.exe", EXE_BYTES, "is not a file type we accept"),
        ("page.html", b"<html></html>", "is not a file type we accept"),
        ("offer.pdf", EXE_BYTES, "does not match its extension"),
        ("photo.png", PDF_BYTES, "does not match its extension"),
        ("photo.jpg", b"GIF89a....", "does not match its extension"),
        ("readme.txt", b"<!DOCTYPE html><html><script>x()</script>", "does not match"),
        ("readme.txt", b"hello <script>alert(1)</script>", "does not match"),
        ("binary.txt", b"MZ\x00\x00binary", "does not match its extension"),
        ("letter.docx", b"PK\x03\x04 not really a zip", "does not match"),
        ("empty.pdf", b"", "is empty"),
    ],
)
def test_attachment_check_refuses_wrong_files(name, content, message):
    with pytest.raises(ValidationError) as error:
        services.attachment_check(upload(name, content))
    assert message in error.value.messages[0]
    assert name in error.value.messages[0]


def test_attachment_check_refuses_files_over_10_mb():
    big = upload("big.pdf", PDF_BYTES + b"0" * (10 * 1024 * 1024))
    with pytest.raises(ValidationError) as error:
        services.attachment_check(big)
    assert "an attachment can be at most 10.0\xa0MB" in error.value.messages[0]


def test_attachment_check_strips_folders_from_the_name():
    name, _type = services.attachment_check(upload("../../etc/offer.pdf", PDF_BYTES))
    assert name == "offer.pdf"


def test_action_create_saves_sanitised_note_and_attachments(staff_user, media):
    customer = CustomerFactory()
    action = services.action_create(
        customer=customer,
        actor=staff_user,
        title="  Call about the offer  ",
        kind=CustomerAction.Kind.CALL,
        note="<p>Ask <b>price</b></p><script>alert(1)</script>",
        due_date=timezone.localdate() + timedelta(days=3),
        attachments=[pdf("offer.pdf"), upload("photo.png", PNG_BYTES)],
    )
    action.refresh_from_db()
    assert action.title == "Call about the offer"
    assert action.note == "<p>Ask <b>price</b></p>"
    assert action.created_by == staff_user
    assert action.done_at is None
    attachments = list(action.attachments.all())
    assert [a.name for a in attachments] == ["offer.pdf", "photo.png"]
    assert attachments[0].content_type == "application/pdf"
    assert attachments[0].size == len(PDF_BYTES)
    # Stored under a random name, under MEDIA_ROOT.
    assert "offer" not in attachments[0].file.name
    assert (media / attachments[0].file.name).read_bytes() == PDF_BYTES


def test_action_create_with_a_bad_attachment_saves_nothing(staff_user):
    customer = CustomerFactory()
    with pytest.raises(ValidationError) as error:
        services.action_create(
            customer=customer,
            actor=staff_user,
            title="Offer",
            attachments=[pdf("offer.pdf"), upload("virus.pdf", EXE_BYTES)],
        )
    assert "virus.pdf" in error.value.message_dict["attachments"][0]
    assert not CustomerAction.objects.exists()
    assert not ActionAttachment.objects.exists()


def test_action_create_refuses_an_empty_title_and_unknown_kind(staff_user):
    with pytest.raises(ValidationError) as error:
        services.action_create(
            customer=CustomerFactory(), actor=staff_user, title="  ", kind="party"
        )
    assert set(error.value.message_dict) == {"title", "kind"}
    assert not CustomerAction.objects.exists()


def test_action_update_changes_fields_and_removes_attachments(
    staff_user, django_capture_on_commit_callbacks, media
):
    action = services.action_create(
        customer=CustomerFactory(),
        actor=staff_user,
        title="Meeting",
        attachments=[pdf("a.pdf"), pdf("b.pdf")],
    )
    first, second = action.attachments.all()
    with django_capture_on_commit_callbacks(execute=True):
        services.action_update(
            action=action,
            title="Meeting moved",
            kind=CustomerAction.Kind.MEETING,
            note="<i>Tuesday</i>",
            done=True,
            attachments=[upload("c.txt", b"agenda")],
            remove_attachment_ids=[first.pk],
        )
    action.refresh_from_db()
    assert action.title == "Meeting moved"
    assert action.kind == CustomerAction.Kind.MEETING
    assert action.note == "<i>Tuesday</i>"
    assert action.done and action.done_at is not None
    assert sorted(a.name for a in action.attachments.all()) == ["b.pdf", "c.txt"]
    assert not (media / first.file.name).exists()
    assert (media / second.file.name).exists()


def test_action_set_done_records_when_and_undone_clears_it(staff_user):
    action = services.action_create(
        customer=CustomerFactory(), actor=staff_user, title="Send quote"
    )
    action = services.action_set_done(action=action, done=True)
    assert action.done and action.done_at is not None
    action = services.action_set_done(action=action, done=False)
    action.refresh_from_db()
    assert not action.done and action.done_at is None


def test_action_delete_removes_the_action_and_its_files(
    staff_user, django_capture_on_commit_callbacks, media
):
    action = services.action_create(
        customer=CustomerFactory(), actor=staff_user, title="x", attachments=[pdf()]
    )
    stored = media / action.attachments.get().file.name
    assert stored.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.action_delete(action=action)
    assert not CustomerAction.objects.exists()
    assert not ActionAttachment.objects.exists()
    assert not stored.exists()


def test_support_request_create_and_close():
    customer = CustomerFactory()
    request = services.support_request_create(
        customer=customer, subject=" Invoice ", message="Where is my invoice?"
    )
    assert request.subject == "Invoice"
    assert request.status == SupportRequest.Status.OPEN
    services.support_request_close(support_request=request)
    request.refresh_from_db()
    assert request.status == SupportRequest.Status.CLOSED


def test_support_request_create_refuses_empty_text():
    with pytest.raises(ValidationError) as error:
        services.support_request_create(
            customer=CustomerFactory(), subject="", message="  "
        )
    assert set(error.value.message_dict) == {"subject", "message"}
    assert not SupportRequest.objects.exists()


def test_push_device_register_creates_then_refreshes_without_duplicates():
    customer = CustomerFactory()
    device, created = services.push_device_register(
        customer=customer, token="tok-1", platform="ios", name="iPhone"
    )
    assert created
    first_seen = device.last_seen_at
    device, created = services.push_device_register(
        customer=customer, token="tok-1", platform="ios", name="My iPhone"
    )
    assert not created
    assert PushDevice.objects.count() == 1
    device.refresh_from_db()
    assert device.name == "My iPhone"
    assert device.last_seen_at >= first_seen


def test_push_device_register_refuses_another_customers_token():
    owner, other = CustomerFactory(), CustomerFactory()
    services.push_device_register(customer=owner, token="tok", platform="android")
    with pytest.raises(ValidationError) as error:
        services.push_device_register(
            customer=other, token="tok", platform="web", name="Stolen"
        )
    assert error.value.code == "token_taken"
    device = PushDevice.objects.get()
    assert device.customer == owner
    assert device.platform == "android"
    assert device.name == ""


def test_customer_login_record_on_login(client, customer):
    assert client.login(username=customer.email, password=PASSWORD)
    event = CustomerEvent.objects.get(customer=customer)
    assert event.kind == CustomerEvent.Kind.LOGGED_IN
    assert event.actor == customer.user


def test_customer_login_record_ignores_staff(client, staff_user):
    assert client.login(username=staff_user.email, password=PASSWORD)
    assert not CustomerEvent.objects.exists()


def _event_at(customer, when, kind=CustomerEvent.Kind.LOGGED_IN, detail=""):
    event = CustomerEvent.objects.create(customer=customer, kind=kind, detail=detail)
    CustomerEvent.objects.filter(pk=event.pk).update(created_at=when)
    return event


def test_customer_timeline_merges_sources_newest_first(staff_user):
    customer = CustomerFactory()
    now = timezone.now()
    _event_at(customer, now - timedelta(days=3), CustomerEvent.Kind.REGISTERED)
    action = services.action_create(customer=customer, actor=staff_user, title="Call")
    CustomerAction.objects.filter(pk=action.pk).update(
        created_at=now - timedelta(days=2)
    )
    request = services.support_request_create(
        customer=customer, subject="Help", message="Please"
    )
    _event_at(CustomerFactory(), now, CustomerEvent.Kind.REGISTERED)  # someone else

    page = customer_timeline(user=staff_user, customer=customer)
    assert [(e.source, str(e.title)) for e in page.events] == [
        ("support", request.subject),
        ("actions", "Call"),
        ("events", "Registered"),
    ]
    assert page.older_until is None


def test_customer_timeline_bounds_and_type_filter(staff_user):
    customer = CustomerFactory()
    inside = datetime(2026, 3, 10, 23, 30, tzinfo=ROME)
    _event_at(customer, inside, CustomerEvent.Kind.LOGGED_IN, "in")
    _event_at(customer, inside, CustomerEvent.Kind.TAG_ADDED, "tag")
    _event_at(customer, datetime(2026, 3, 11, 0, 5, tzinfo=ROME), detail="after")
    since = datetime(2026, 3, 10, tzinfo=ROME)
    until = datetime(2026, 3, 11, tzinfo=ROME)

    page = customer_timeline(
        user=staff_user, customer=customer, since=since, until=until
    )
    assert sorted(e.body for e in page.events) == ["in", "tag"]
    page = customer_timeline(
        user=staff_user,
        customer=customer,
        since=since,
        until=until,
        type_filter="events:logged_in",
    )
    assert [e.body for e in page.events] == ["in"]
    page = customer_timeline(user=staff_user, customer=customer, type_filter="support")
    assert page.events == []


def test_customer_timeline_pages_with_older_until(staff_user):
    customer = CustomerFactory()
    start = timezone.now() - timedelta(days=10)
    for n in range(7):
        _event_at(customer, start + timedelta(hours=n), detail=str(n))
    page = customer_timeline(user=staff_user, customer=customer, limit=5)
    assert [e.body for e in page.events] == ["6", "5", "4", "3", "2"]
    assert page.older_until == page.events[-1].when
    older = customer_timeline(
        user=staff_user, customer=customer, until=page.older_until, limit=5
    )
    assert [e.body for e in older.events] == ["1", "0"]
    assert older.older_until is None


def test_customer_timeline_includes_other_apps_sources(staff_user):
    customer = CustomerFactory()
    when = timezone.now()

    def purchases(customer_, since, until):
        yield plugins.TimelineEvent(when=when, kind="purchase", title="Bought a box")

    source = plugins.TimelineSource("test_shop", "Purchases", purchases, order=99)
    plugins.timeline_sources.register(source)
    try:
        _event_at(customer, when - timedelta(hours=1))
        page = customer_timeline(user=staff_user, customer=customer)
        assert [str(e.title) for e in page.events] == ["Bought a box", "Logged in"]
        assert page.events[0].type_label == "Purchases"
        only = customer_timeline(
            user=staff_user, customer=customer, type_filter="test_shop"
        )
        assert [str(e.title) for e in only.events] == ["Bought a box"]
    finally:
        plugins.timeline_sources.unregister("test_shop")
