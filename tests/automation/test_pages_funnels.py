"""The funnels list and a funnel's publish, status, simulation and test run pages
(both databases)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from automation.models import Funnel, Run, StepCounter, StepVisit
from automation.services import funnel_enrol_customer, funnel_import, funnels_tick
from automation.services.drafts import draft_step_delete
from tests.automation.conftest import credit, document, effects
from tests.core.factories import StaffFactory
from tests.customers.factories import CustomerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]

LIST = reverse("automation:funnel_list")


@pytest.fixture
def manager_client(client):
    client.force_login(StaffFactory(groups=["Manager"]))
    return client


def waiting_funnel(**kwargs) -> Funnel:
    return funnel_import(
        document=document(
            [
                credit("gift", next="week"),
                {"key": "week", "kind": "wait", "duration": {"days": 7}, "next": "end"},
                {"key": "end", "kind": "exit"},
            ],
            **kwargs,
        ),
        activate=True,
    )


def upload(client, content: bytes, name="funnel.json"):
    return client.post(
        reverse("automation:funnel_upload"),
        {"file": SimpleUploadedFile(name, content, "application/json")},
    )


def test_funnels_menu_entry_and_pages_need_automation_permissions(client):
    funnel = waiting_funnel()
    client.force_login(StaffFactory(groups=["Staff"]))
    dashboard = client.get(reverse("staff:dashboard")).content.decode()
    assert LIST not in dashboard
    for url in (
        LIST,
        reverse("automation:funnel_editor", args=[funnel.pk]),
        reverse("automation:funnel_download", args=[funnel.pk]),
        reverse("automation:funnel_simulate", args=[funnel.pk]),
        reverse("automation:funnel_publish", args=[funnel.pk]),
    ):
        assert client.get(url).status_code == 403, url
    for url in (
        reverse("automation:funnel_create"),
        reverse("automation:funnel_upload"),
        reverse("automation:funnel_status", args=[funnel.pk, "pause"]),
        reverse("automation:funnel_publish", args=[funnel.pk]),
        reverse("automation:funnel_test_run", args=[funnel.pk]),
    ):
        assert client.post(url, {"name": "x"}).status_code == 403, url
    funnel.refresh_from_db()
    assert funnel.status == Funnel.Status.ACTIVE
    assert Funnel.objects.count() == 1


def test_funnels_menu_entry_for_a_manager(manager_client):
    dashboard = manager_client.get(reverse("staff:dashboard")).content.decode()
    assert f'href="{LIST}"' in dashboard


def test_funnel_list_figures_without_n_plus_1(
    manager_client, django_assert_max_num_queries
):
    for number in range(4):
        funnel = waiting_funnel(name=f"F{number}", reentry={"policy": "one_at_a_time"})
        for _customer in range(number):
            funnel_enrol_customer(funnel=funnel, customer=CustomerFactory())
    # Conversions, and a test run (left out everywhere).
    Run.objects.filter(funnel__name="F3").update(converted_at=timezone.now())
    funnel_enrol_customer(
        funnel=Funnel.objects.get(name="F2"), customer=CustomerFactory(), is_test=True
    )
    Funnel.objects.create(name="Draft only", draft=document([credit()]))
    manager_client.get(LIST)  # the settings rows the menu reads now exist
    # Session, user, permissions (2), funnels, counters: whatever their number.
    with django_assert_max_num_queries(8):
        response = manager_client.get(LIST)
    assert response.status_code == 200
    funnels = {f.name: f for f in response.context["funnels"]}
    assert funnels["F2"].entered == 2
    assert funnels["F2"].active_runs == 2
    assert funnels["F3"].conversions == 3
    assert funnels["Draft only"].entered == 0
    html = response.content.decode()
    assert "Test event" in html  # the trigger's label
    assert "Download JSON" in html


def test_funnel_create_makes_a_draft_and_opens_the_editor(manager_client):
    response = manager_client.post(
        reverse("automation:funnel_create"),
        {"name": "Welcome", "trigger": "test.event"},
    )
    funnel = Funnel.objects.get()
    assert response["Location"] == reverse("automation:funnel_editor", args=[funnel.pk])
    assert funnel.status == Funnel.Status.DRAFT
    assert funnel.draft["trigger"]["key"] == "test.event"
    assert manager_client.get(response["Location"]).status_code == 200


def test_funnel_create_refuses_an_unknown_trigger(manager_client):
    response = manager_client.post(
        reverse("automation:funnel_create"), {"name": "X", "trigger": "nope"}
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Funnel.objects.exists()


def test_upload_good_json_imports_and_publishes(manager_client):
    content = json.dumps(document([credit()], name="Uploaded")).encode()
    response = upload(manager_client, content)
    funnel = Funnel.objects.get()
    assert response.status_code == 302
    assert funnel.name == "Uploaded"
    assert funnel.published_version is not None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "The file is not valid JSON (line 1, column 2)."),
        (b'{"format": "other"}', "This is not a Clientela funnel"),
        (
            json.dumps(
                document([{"key": "w", "kind": "wait", "duration": {"days": -1}}])
            ).encode(),
            "step 1 &#x27;w&#x27;: a wait must be at least 0 days",
        ),
        (
            json.dumps(document([credit(amount=0)])).encode(),
            "step 1 &#x27;credit&#x27;",
        ),
        (b"\xff\xfe", "The file is not UTF-8 text."),
    ],
)
def test_upload_bad_file_says_where_and_saves_nothing(manager_client, content, message):
    response = upload(manager_client, content)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Funnel.objects.exists()


def test_download_round_trips_through_upload(manager_client):
    funnel = waiting_funnel(name="Round trip")
    response = manager_client.get(
        reverse("automation:funnel_download", args=[funnel.pk])
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "round-trip" in response["Content-Disposition"]
    downloaded = json.loads(response.content)
    assert downloaded == funnel.published_version.definition
    upload(manager_client, response.content)
    copy = Funnel.objects.exclude(pk=funnel.pk).get()
    assert copy.published_version.definition == downloaded


def test_activate_pause_resume(manager_client):
    funnel = funnel_import(document=document([credit()]))
    url = "automation:funnel_status"
    manager_client.post(reverse(url, args=[funnel.pk, "activate"]))
    funnel.refresh_from_db()
    assert funnel.status == Funnel.Status.ACTIVE
    manager_client.post(reverse(url, args=[funnel.pk, "pause"]))
    funnel.refresh_from_db()
    assert funnel.status == Funnel.Status.PAUSED
    response = manager_client.post(reverse(url, args=[funnel.pk, "pause"]), follow=True)
    assert "Only an active funnel can be paused." in response.content.decode()
    manager_client.post(reverse(url, args=[funnel.pk, "resume"]))
    funnel.refresh_from_db()
    assert funnel.status == Funnel.Status.ACTIVE


def test_publish_without_stranded_runs(manager_client):
    funnel = Funnel.objects.create(name="New", draft=document([credit()]))
    url = reverse("automation:funnel_publish", args=[funnel.pk])
    page = manager_client.get(url).content.decode()
    assert 'data-testid="stranded"' not in page
    response = manager_client.post(url)
    assert response.status_code == 302
    funnel.refresh_from_db()
    assert funnel.published_version.number == 1


def test_publish_with_stranded_runs_asks_where_they_go(manager_client):
    funnel = waiting_funnel()
    customer = CustomerFactory()
    funnel_enrol_customer(funnel=funnel, customer=customer)
    funnels_tick()  # the credit runs; the run waits in "week"
    draft_step_delete(funnel=funnel, key="week")
    url = reverse("automation:funnel_publish", args=[funnel.pk])
    page = manager_client.get(url).content.decode()
    assert 'data-testid="stranded"' in page
    assert 'name="move__week"' in page
    refused = manager_client.post(url)
    assert refused.status_code == 400
    funnel.refresh_from_db()
    assert funnel.published_version.number == 1
    response = manager_client.post(url, {"move__week": "end"})
    assert response.status_code == 302
    funnel.refresh_from_db()
    assert funnel.published_version.number == 2
    visit = StepVisit.objects.get(run__customer=customer, state="scheduled")
    assert visit.step_key == "end"


def test_discard_draft_changes(manager_client):
    funnel = waiting_funnel()
    draft_step_delete(funnel=funnel, key="week")
    response = manager_client.post(
        reverse("automation:funnel_discard", args=[funnel.pk])
    )
    assert response.status_code == 302
    funnel.refresh_from_db()
    assert funnel.draft == funnel.published_version.definition


def test_simulate_shows_the_path_and_changes_nothing(
    manager_client, django_assert_max_num_queries
):
    funnel = waiting_funnel()
    customer = CustomerFactory()
    url = reverse("automation:funnel_simulate", args=[funnel.pk])
    counters = list(StepCounter.objects.values_list("entered", flat=True))
    response = manager_client.get(url, {"customer": customer.email.upper()})
    html = response.content.decode()
    assert "Would credit 5 to" in html
    assert "Would wait 7 days" in html
    assert not Run.objects.exists()
    assert not effects().exists()
    assert list(StepCounter.objects.values_list("entered", flat=True)) == counters
    by_id = manager_client.get(url, {"customer": str(customer.pk)})
    assert "Would credit 5 to" in by_id.content.decode()
    unknown = manager_client.get(url, {"customer": "nobody@example.com"})
    assert "No customer has the e-mail or number" in unknown.content.decode()


def test_test_run_fast_forwards_the_waits_and_counts_nowhere(manager_client):
    funnel = waiting_funnel()
    customer = CustomerFactory()
    response = manager_client.post(
        reverse("automation:funnel_test_run", args=[funnel.pk]),
        {"customer": customer.email},
        follow=True,
    )
    assert "is in a test run" in response.content.decode()
    run = Run.objects.get()
    assert run.is_test
    now = timezone.now() + timedelta(seconds=1)
    funnels_tick(now=now)
    funnels_tick(now=now)
    run.refresh_from_db()
    assert run.state == Run.State.EXITED  # through the exit step, no 7 days
    assert effects().count() == 1
    assert sum(StepCounter.objects.values_list("entered", flat=True)) == 0
