from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.models import (
    ActionAttachment,
    CustomerAction,
    CustomerEvent,
    PushDevice,
    SupportRequest,
)
from customers.services import history as services
from tests.core.factories import StaffFactory
from tests.customers.factories import CustomerFactory
from tests.customers.history_helpers import EXE_BYTES, PDF_BYTES, pdf, upload

pytestmark = pytest.mark.django_db

ROME = ZoneInfo("Europe/Rome")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def staff_with(*codenames):
    user = StaffFactory()
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="customers", codename__in=codenames
        )
    )
    return user


def url(customer, suffix=""):
    return f"/staff/customers/{customer.pk}/{suffix}"


def timeline(response) -> str:
    """The timeline part of the tab (the sidebar also shows the last action)."""
    html = response.content.decode()
    start = html.index('<ol class="timeline"')
    return html[start : html.index("</ol>", start)]


def make_action(customer, staff_user, **kwargs):
    return services.action_create(
        customer=customer, actor=staff_user, title=kwargs.pop("title", "Call"), **kwargs
    )


# --- The tab ---


def test_history_tab_shows_every_source_newest_first(staff_client, staff_user):
    customer = CustomerFactory()
    CustomerEvent.objects.create(
        customer=customer, kind=CustomerEvent.Kind.REGISTERED, detail="web"
    )
    make_action(customer, staff_user, title="Quote sent", note="<b>42 boxes</b>")
    services.support_request_create(
        customer=customer, subject="Broken box", message="It arrived\nbroken"
    )
    response = staff_client.get(url(customer, "history/"))
    assert 'aria-current="page">Action history</a>' in response.content.decode()
    page = timeline(response)
    support, action, registered = (
        page.index("Broken box"),
        page.index("Quote sent"),
        page.index("Registered"),
    )
    assert support < action < registered
    assert "<b>42 boxes</b>" in page
    assert "It arrived<br>broken" in page


def test_history_tab_escapes_markup(staff_client, staff_user):
    customer = CustomerFactory()
    make_action(customer, staff_user, title="<script>alert(1)</script>")
    services.support_request_create(
        customer=customer, subject="<img src=x onerror=alert(2)>", message="<b>hi</b>"
    )
    page = staff_client.get(url(customer, "history/")).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page
    assert "&lt;b&gt;hi&lt;/b&gt;" in page


def test_history_tab_query_count_does_not_grow_with_events(staff_client, staff_user):
    customer = CustomerFactory()

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert staff_client.get(url(customer, "history/")).status_code == 200
        return len(queries)

    make_action(customer, staff_user, attachments=[pdf()])
    services.support_request_create(customer=customer, subject="s", message="m")
    count()  # warms the process-wide caches (content types) other apps' parts use
    few = count()
    for n in range(15):
        make_action(customer, staff_user, title=f"a{n}", attachments=[pdf()])
        services.support_request_create(customer=customer, subject="s", message="m")
        CustomerEvent.objects.create(customer=customer, kind="logged_in")
    assert count() == few


def test_history_tab_filters_by_dates_in_the_business_time_zone(staff_client):
    customer = CustomerFactory()
    for when, detail in [
        (datetime(2026, 3, 9, 23, 59, tzinfo=ROME), "before"),
        (datetime(2026, 3, 10, 0, 1, tzinfo=ROME), "first-day"),
        (datetime(2026, 3, 11, 23, 59, tzinfo=ROME), "last-day"),
        (datetime(2026, 3, 12, 0, 1, tzinfo=ROME), "after"),
    ]:
        event = CustomerEvent.objects.create(
            customer=customer, kind="logged_in", detail=detail
        )
        CustomerEvent.objects.filter(pk=event.pk).update(created_at=when)
    page = staff_client.get(
        url(customer, "history/"),
        {"date_from": "2026-03-10", "date_to": "2026-03-11"},
    ).content.decode()
    assert "first-day" in page and "last-day" in page
    assert "before" not in page and "after" not in page
    assert 'value="2026-03-10"' in page


def test_history_tab_filters_by_type(staff_client, staff_user):
    customer = CustomerFactory()
    CustomerEvent.objects.create(customer=customer, kind="tag_added", detail="VIP")
    CustomerEvent.objects.create(customer=customer, kind="logged_in", detail="Firefox")
    make_action(customer, staff_user, title="Meeting in Rome", kind="meeting")
    make_action(customer, staff_user, title="Phone call", kind="call")

    page = timeline(
        staff_client.get(url(customer, "history/"), {"type": "actions:meeting"})
    )
    assert "Meeting in Rome" in page
    assert "Phone call" not in page and "Firefox" not in page

    page = timeline(staff_client.get(url(customer, "history/"), {"type": "events"}))
    assert "VIP" in page and "Firefox" in page
    assert "Meeting in Rome" not in page


def test_history_tab_bad_filter_shows_errors_next_to_fields(staff_client):
    customer = CustomerFactory()
    CustomerEvent.objects.create(customer=customer, kind="logged_in", detail="Edge")
    page = staff_client.get(
        url(customer, "history/"),
        {"date_from": "2026-03-10", "date_to": "2026-03-01", "type": "nonsense"},
    ).content.decode()
    assert "The end date is before the start date." in page
    assert "Select a valid choice." in page
    assert "Edge" not in page
    page = staff_client.get(
        url(customer, "history/"), {"date_from": "2026-02-31"}
    ).content.decode()
    assert "Enter a valid date." in page


def test_history_tab_older_link_pages_on(staff_client, staff_user, monkeypatch):
    monkeypatch.setattr("customers.timeline.TIMELINE_LIMIT", 3)
    customer = CustomerFactory()
    start = timezone.now() - timedelta(days=1)
    for n in range(5):
        event = CustomerEvent.objects.create(
            customer=customer, kind="logged_in", detail=f"device-{n}"
        )
        CustomerEvent.objects.filter(pk=event.pk).update(
            created_at=start + timedelta(minutes=n)
        )
    response = staff_client.get(url(customer, "history/"))
    page = response.content.decode()
    assert "device-4" in page and "device-2" in page and "device-1" not in page
    older = response.context["older_url"]
    assert older.startswith("?until=")
    page = staff_client.get(url(customer, "history/") + older).content.decode()
    assert "device-1" in page and "device-0" in page and "device-2" not in page
    assert "Older events" not in page


def test_history_tab_needs_view_permission(client):
    customer = CustomerFactory()
    client.force_login(staff_with())
    assert client.get(url(customer, "history/")).status_code == 403
    client.force_login(staff_with("view_customer"))
    assert client.get(url(customer, "history/")).status_code == 200


def test_history_tab_sends_anonymous_visitors_to_login(client):
    response = client.get(url(CustomerFactory(), "history/"))
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")


def test_history_tab_refuses_customers(customer_client, customer):
    assert customer_client.get(url(customer, "history/")).status_code == 403


def test_history_tab_is_registered_after_the_others(staff_client):
    customer = CustomerFactory()
    response = staff_client.get(url(customer))
    tabs = [tab.key for tab in response.context["tabs"]]
    assert "history" in tabs
    assert tabs.index("personal") < tabs.index("history")


# --- Custom actions ---


def test_action_create_with_attachment(staff_client, staff_user, media):
    customer = CustomerFactory()
    response = staff_client.post(
        url(customer, "actions/new/"),
        {
            "kind": "call",
            "title": "Called about the renewal",
            "note": '<p>Wants <b>two</b></p><a href="javascript:x()">x</a>',
            "due_date": "2026-12-01",
            "attachments": [pdf("offer.pdf"), upload("notes.txt", b"hello")],
        },
    )
    assert response.status_code == 302
    assert response["Location"] == url(customer, "history/")
    action = CustomerAction.objects.get(customer=customer)
    assert action.title == "Called about the renewal"
    assert action.note == '<p>Wants <b>two</b></p><a rel="noopener">x</a>'
    assert action.created_by == staff_user
    assert str(action.due_date) == "2026-12-01"
    assert sorted(a.name for a in action.attachments.all()) == [
        "notes.txt",
        "offer.pdf",
    ]
    page = staff_client.get(response["Location"]).content.decode()
    assert "Called about the renewal" in page
    assert "offer.pdf" in page


def test_action_create_bad_input_shows_errors_and_saves_nothing(staff_client):
    customer = CustomerFactory()
    response = staff_client.post(
        url(customer, "actions/new/"),
        {
            "kind": "party",
            "title": "",
            "due_date": "2026-02-30",
            "attachments": [upload("tool.exe", EXE_BYTES)],
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"kind", "title", "due_date", "attachments"}
    assert "is not a file type we accept" in form.errors["attachments"][0]
    page = response.content.decode()
    assert "tool.exe" in page and 'class="field-error"' in page
    assert not CustomerAction.objects.exists()


def test_action_create_refuses_a_disguised_file(staff_client):
    customer = CustomerFactory()
    response = staff_client.post(
        url(customer, "actions/new/"),
        {"kind": "note", "title": "x", "attachments": [upload("cv.pdf", EXE_BYTES)]},
    )
    assert response.status_code == 200
    assert "does not match its extension" in response.content.decode()
    assert not CustomerAction.objects.exists()


def test_action_create_needs_add_permission(client):
    customer = CustomerFactory()
    client.force_login(staff_with("view_customer", "change_customer"))
    assert client.get(url(customer, "actions/new/")).status_code == 403
    response = client.post(url(customer, "actions/new/"), {"title": "x"})
    assert response.status_code == 403
    assert not CustomerAction.objects.exists()
    page = client.get(url(customer, "history/")).content.decode()
    assert "Add an action" not in page
    client.force_login(staff_with("view_customer", "add_customeraction"))
    response = client.post(
        url(customer, "actions/new/"), {"title": "x", "kind": "note"}
    )
    assert response.status_code == 302


def test_action_update_changes_and_removes_attachments(staff_client, staff_user):
    customer = CustomerFactory()
    action = make_action(customer, staff_user, attachments=[pdf("old.pdf")])
    old = action.attachments.get()
    page = staff_client.get(url(customer, f"actions/{action.pk}/edit/"))
    assert page.status_code == 200
    assert "old.pdf" in page.content.decode()
    response = staff_client.post(
        url(customer, f"actions/{action.pk}/edit/"),
        {
            "kind": "task",
            "title": "Send the contract",
            "note": "<em>signed</em><script>x</script>",
            "done": "on",
            "remove_attachments": [old.pk],
            "attachments": [pdf("contract.pdf")],
        },
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.title == "Send the contract"
    assert action.kind == "task"
    assert action.note == "<em>signed</em>"
    assert action.done and action.done_at
    assert [a.name for a in action.attachments.all()] == ["contract.pdf"]


def test_action_update_cannot_remove_another_actions_attachment(
    staff_client, staff_user
):
    customer = CustomerFactory()
    action = make_action(customer, staff_user, attachments=[pdf("mine.pdf")])
    other = make_action(customer, staff_user, attachments=[pdf()])
    response = staff_client.post(
        url(customer, f"actions/{action.pk}/edit/"),
        {
            "kind": "note",
            "title": "x",
            "remove_attachments": [other.attachments.get().pk],
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert other.attachments.count() == 1
    assert action.attachments.count() == 1


def test_action_views_answer_404_for_another_customers_action(staff_client, staff_user):
    customer, other = CustomerFactory(), CustomerFactory()
    action = make_action(other, staff_user, attachments=[pdf()])
    attachment = action.attachments.get()
    for path in ("edit/", "delete/"):
        assert (
            staff_client.get(url(customer, f"actions/{action.pk}/{path}")).status_code
            == 404
        )
    assert (
        staff_client.post(
            url(customer, f"actions/{action.pk}/done/"), {"done": "1"}
        ).status_code
        == 404
    )
    assert (
        staff_client.get(url(customer, f"attachments/{attachment.pk}/")).status_code
        == 404
    )
    action.refresh_from_db()
    assert not action.done


def test_action_update_needs_change_permission(client, staff_user):
    customer = CustomerFactory()
    action = make_action(customer, staff_user)
    client.force_login(staff_with("view_customer", "add_customeraction"))
    assert client.get(url(customer, f"actions/{action.pk}/edit/")).status_code == 403
    response = client.post(
        url(customer, f"actions/{action.pk}/edit/"), {"title": "Hacked", "kind": "note"}
    )
    assert response.status_code == 403
    response = client.post(url(customer, f"actions/{action.pk}/done/"), {"done": "1"})
    assert response.status_code == 403
    action.refresh_from_db()
    assert action.title == "Call" and not action.done


def test_action_delete_asks_then_deletes(
    staff_client, staff_user, django_capture_on_commit_callbacks, media
):
    customer = CustomerFactory()
    action = make_action(customer, staff_user, title="Old note", attachments=[pdf()])
    stored = media / action.attachments.get().file.name
    page = staff_client.get(url(customer, f"actions/{action.pk}/delete/"))
    assert "Delete “Old note” and its attachments?" in page.content.decode()
    assert CustomerAction.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url(customer, f"actions/{action.pk}/delete/"))
    assert response.status_code == 302
    assert not CustomerAction.objects.exists()
    assert not ActionAttachment.objects.exists()
    assert not stored.exists()


def test_action_delete_needs_delete_permission(client, staff_user):
    customer = CustomerFactory()
    action = make_action(customer, staff_user)
    client.force_login(staff_with("view_customer", "change_customeraction"))
    assert client.post(url(customer, f"actions/{action.pk}/delete/")).status_code == 403
    assert CustomerAction.objects.exists()
    page = client.get(url(customer, "history/")).content.decode()
    assert f"actions/{action.pk}/delete/" not in page
    assert f"actions/{action.pk}/edit/" in page


def test_action_done_plain_post_redirects_back(staff_client, staff_user):
    customer = CustomerFactory()
    action = make_action(customer, staff_user)
    back = url(customer, "history/?type=actions")
    response = staff_client.post(
        url(customer, f"actions/{action.pk}/done/"), {"done": "1", "next": back}
    )
    assert response.status_code == 302
    assert response["Location"] == back
    action.refresh_from_db()
    assert action.done and action.done_at
    response = staff_client.post(
        url(customer, f"actions/{action.pk}/done/"),
        {"done": "0", "next": "https://evil.example/"},
    )
    assert response["Location"] == url(customer, "history/")
    action.refresh_from_db()
    assert not action.done and action.done_at is None


def test_action_done_with_htmx_returns_the_updated_event(staff_client, staff_user):
    customer = CustomerFactory()
    action = make_action(customer, staff_user, title="Ring back", attachments=[pdf()])
    response = staff_client.post(
        url(customer, f"actions/{action.pk}/done/"),
        {"done": "1"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<li class="timeline-event')
    assert "Ring back" in html and "Mark not done" in html and "offer.pdf" in html
    assert "<html" not in html


def test_action_done_refuses_get(staff_client, staff_user):
    customer = CustomerFactory()
    action = make_action(customer, staff_user)
    response = staff_client.get(url(customer, f"actions/{action.pk}/done/"))
    assert response.status_code == 405


# --- Attachments ---


def test_attachment_downloads_for_staff_with_view_permission(client, staff_user):
    customer = CustomerFactory()
    action = make_action(customer, staff_user, attachments=[pdf("offer 2026.pdf")])
    attachment = action.attachments.get()
    client.force_login(staff_with("view_customer"))
    response = client.get(url(customer, f"attachments/{attachment.pk}/"))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "offer 2026.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_attachment_download_is_refused_without_permission(client, staff_user):
    customer = CustomerFactory()
    attachment = make_action(customer, staff_user, attachments=[pdf()])
    attachment = attachment.attachments.get()
    client.force_login(staff_with("change_customer"))
    assert client.get(url(customer, f"attachments/{attachment.pk}/")).status_code == 403
    client.logout()
    response = client.get(url(customer, f"attachments/{attachment.pk}/"))
    assert response.status_code == 302


def test_attachment_files_are_not_under_a_guessable_name(staff_user, settings):
    action = make_action(CustomerFactory(), staff_user, attachments=[pdf("offer.pdf")])
    assert "offer" not in action.attachments.get().file.name


# --- Support requests ---


def test_support_request_close_from_the_timeline(staff_client):
    customer = CustomerFactory()
    request = services.support_request_create(
        customer=customer, subject="Refund", message="Please"
    )
    page = staff_client.get(url(customer, "history/")).content.decode()
    assert "Close the request" in page
    response = staff_client.post(url(customer, f"support/{request.pk}/close/"))
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == SupportRequest.Status.CLOSED
    page = staff_client.get(url(customer, "history/")).content.decode()
    assert "Close the request" not in page
    assert "Closed" in page


def test_support_request_close_with_htmx(staff_client):
    customer = CustomerFactory()
    request = services.support_request_create(
        customer=customer, subject="Refund", message="Please"
    )
    response = staff_client.post(
        url(customer, f"support/{request.pk}/close/"), headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert "Refund" in html and "Closed" in html and "Close the request" not in html


def test_support_request_close_needs_permission_and_own_customer(client):
    customer, other = CustomerFactory(), CustomerFactory()
    request = services.support_request_create(
        customer=customer, subject="Refund", message="Please"
    )
    client.force_login(staff_with("view_customer", "change_customer"))
    assert client.post(url(customer, f"support/{request.pk}/close/")).status_code == 403
    client.force_login(staff_with("view_customer", "change_supportrequest"))
    assert client.post(url(other, f"support/{request.pk}/close/")).status_code == 404
    request.refresh_from_db()
    assert request.status == SupportRequest.Status.OPEN


# --- Sidebar: support requests and push devices ---


def test_sidebar_shows_support_requests_and_push_devices(staff_client):
    customer = CustomerFactory()
    for subject in ("a", "b"):
        services.support_request_create(customer=customer, subject=subject, message="m")
    services.support_request_close(
        support_request=SupportRequest.objects.get(subject="a")
    )
    services.push_device_register(
        customer=customer, token="t1", platform="ios", name="<b>Anna's</b> iPhone"
    )
    services.push_device_register(customer=customer, token="t2", platform="web")
    page = staff_client.get(url(customer)).content.decode()
    assert '<dd data-figure="support_requests">2 (1 open)</dd>' in page
    assert "(Web browser, &lt;b&gt;Anna&#x27;s&lt;/b&gt; iPhone)" in page
    assert f'href="{url(customer, "push-devices/")}"' in page


def test_push_devices_page_and_remove(staff_client):
    customer, other = CustomerFactory(), CustomerFactory()
    device, _created = services.push_device_register(
        customer=customer, token="t1", platform="android", name="Pixel"
    )
    others, _created = services.push_device_register(
        customer=other, token="t2", platform="ios"
    )
    page = staff_client.get(url(customer, "push-devices/")).content.decode()
    assert "Pixel" in page and "Android" in page
    response = staff_client.post(url(customer, f"push-devices/{others.pk}/remove/"))
    assert response.status_code == 404
    response = staff_client.post(url(customer, f"push-devices/{device.pk}/remove/"))
    assert response.status_code == 302
    assert list(PushDevice.objects.all()) == [others]


def test_push_device_remove_needs_change_permission(client):
    customer = CustomerFactory()
    device, _created = services.push_device_register(
        customer=customer, token="t1", platform="android"
    )
    client.force_login(staff_with("view_customer"))
    page = client.get(url(customer, "push-devices/")).content.decode()
    assert "Remove" not in page
    response = client.post(url(customer, f"push-devices/{device.pk}/remove/"))
    assert response.status_code == 403
    assert PushDevice.objects.exists()


def test_staff_group_has_the_history_permissions(staff_user, manager_user):
    for user in (staff_user, manager_user):
        assert user.has_perms(
            [
                "customers.add_customeraction",
                "customers.change_customeraction",
                "customers.delete_customeraction",
                "customers.change_supportrequest",
            ]
        )
