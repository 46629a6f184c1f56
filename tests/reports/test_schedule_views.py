"""The schedule page of a saved report: who may schedule it, the form's
checks, the next send shown, removal, and the list's "scheduled" mark."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from reports.models import ReportSchedule, SavedReport
from tests.core.factories import StaffFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]

CHOICES = {"rows": ["month"], "period": ["this_year"]}


@pytest.fixture
def report(staff_user):
    return SavedReport.objects.create(
        owner=staff_user,
        name="Ledger by month",
        source_key="balance.movements",
        choices=CHOICES,
        visibility=SavedReport.Visibility.STAFF,
    )


def post(client, report, **changes):
    data = {
        "frequency": "weekly",
        "weekday": "2",
        "time_of_day": "07:30",
        "format": "xlsx",
        "recipients": [report.owner.pk],
        "skip_empty": "on",
        "active": "on",
        **changes,
    }
    return client.post(reverse("reports:schedule", args=[report.pk]), data)


def test_the_owner_schedules_a_report_and_sees_the_next_send(staff_client, report):
    page = staff_client.get(reverse("reports:schedule", args=[report.pk]))
    assert page.status_code == 200
    assert 'data-testid="schedule-form"' in page.content.decode()

    response = post(staff_client, report)

    assert response.status_code == 302
    schedule = ReportSchedule.objects.get(report=report)
    assert (schedule.frequency, schedule.weekday, schedule.format) == (
        "weekly",
        2,
        "xlsx",
    )
    assert schedule.due_at is not None
    assert schedule.due_at.weekday() == 2
    assert list(schedule.recipients.all()) == [report.owner]
    page = staff_client.get(reverse("reports:schedule", args=[report.pk]))
    assert "Next send:" in page.content.decode()
    listing = staff_client.get(reverse("reports:index")).content.decode()
    assert 'data-testid="saved-report-scheduled"' in listing


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"time_of_day": "25:00"}, "time_of_day", "Enter a valid time."),
        ({"time_of_day": ""}, "time_of_day", "This field is required."),
        ({"recipients": []}, "recipients", "Choose at least one recipient."),
        ({"frequency": "hourly"}, "frequency", "Select a valid choice."),
        ({"weekday": "9"}, "weekday", "Select a valid choice."),
        ({"format": "pdf"}, "format", "Select a valid choice."),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    staff_client, report, changes, field, message
):
    response = post(staff_client, report, **changes)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert any(message in error for error in errors[field])
    assert not ReportSchedule.objects.exists()


def test_recipients_must_be_active_staff(staff_client, report):
    customer_user = UserFactory()
    former = StaffFactory(is_active=False)
    for person in (customer_user, former):
        response = post(staff_client, report, recipients=[person.pk])
        assert response.status_code == 400
        assert "not an active staff member" in str(
            response.context["form"].errors["recipients"]
        )
    assert not ReportSchedule.objects.exists()


def test_other_staff_need_the_change_permission(client, report):
    colleague = StaffFactory(groups=["Staff"])
    client.force_login(colleague)
    url = reverse("reports:schedule", args=[report.pk])
    assert client.get(url).status_code == 403
    assert post(client, report).status_code == 403
    listing = client.get(reverse("reports:index")).content.decode()
    assert url not in listing
    colleague.user_permissions.add(
        Permission.objects.get(codename="change_reportschedule")
    )
    client.force_login(colleague)
    assert client.get(url).status_code == 200
    assert post(client, report).status_code == 302


def test_managers_change_the_schedules_of_others(client, report, manager_user):
    client.force_login(manager_user)
    assert post(client, report).status_code == 302
    assert ReportSchedule.objects.get().report == report


def test_a_report_one_may_not_see_is_not_found(client, report):
    client.force_login(StaffFactory())  # no permission on the ledger
    assert client.get(reverse("reports:schedule", args=[report.pk])).status_code == 404


def test_the_owner_removes_the_schedule(staff_client, report):
    post(staff_client, report)
    response = staff_client.post(reverse("reports:schedule_delete", args=[report.pk]))
    assert response.status_code == 302
    assert not ReportSchedule.objects.exists()
    listing = staff_client.get(reverse("reports:index")).content.decode()
    assert 'data-testid="saved-report-scheduled"' not in listing


def test_an_inactive_schedule_has_no_next_send(staff_client, report):
    post(staff_client, report, active="")
    schedule = ReportSchedule.objects.get()
    assert (schedule.active, schedule.due_at) == (False, None)
    page = staff_client.get(reverse("reports:schedule", args=[report.pk]))
    assert "Not active" in page.content.decode()
