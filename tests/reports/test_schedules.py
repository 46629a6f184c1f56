"""Scheduled e-mails of saved reports: the send (the attachment is the page's
export for the same choices), once per period however often beat runs, empty
reports and recipients without permission skipped and recorded, and the
command."""

from datetime import time
from io import StringIO
from urllib.parse import urlencode

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from core.models import SentEmail, SentEmailAttachment
from reports.models import ReportSchedule, ReportScheduleRun, SavedReport
from reports.schedules import schedule_save, schedules_run_due
from reports.tasks import report_schedules_run_task
from tests.core.factories import StaffFactory
from tests.reports.support import rome

pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]

SOURCE = "balance.movements"
# Last month, by day: sent on the first weekday of March 2026 (Monday the 2nd),
# it covers February.
CHOICES = {
    "rows": ["kind"],
    "measures": ["count", "credits", "debits", "net"],
    "period": ["last_month"],
    "filter_reversed": ["exclude"],
}
FEBRUARY = {
    "rows": "kind",
    "measures": ["count", "credits", "debits", "net"],
    "date_from": "2026-02-01",
    "date_to": "2026-03-01",
    "filter_reversed": "exclude",
}
SENT_AT = rome("2026-03-02 08:05")


def saved(owner, choices=CHOICES, name="February by kind"):
    return SavedReport.objects.create(
        owner=owner, name=name, source_key=SOURCE, choices=choices
    )


def schedule(report, recipients, *, fmt="csv", skip_empty=True, **fields):
    return schedule_save(
        report=report,
        user=report.owner,
        frequency=fields.get("frequency", "monthly_first"),
        weekday=0,
        time_of_day=fields.get("time_of_day", time(8, 0)),
        format=fmt,
        recipients=recipients,
        skip_empty=skip_empty,
        active=True,
        now=rome("2026-02-20 10:00"),
    )


def attachment_bytes(message):
    name, content, mimetype = message.attachments[0]
    return name, content.encode() if isinstance(content, str) else content, mimetype


def page_export(client, fmt):
    response = client.get(
        reverse("reports:export", args=[SOURCE, fmt]) + "?" + urlencode(FEBRUARY, True)
    )
    assert response.status_code == 200
    if fmt == "csv":
        return b"".join(response.streaming_content)
    return response.content


def test_the_csv_attached_is_the_pages_export_of_the_period(
    staff_client, staff_user, ledger, django_capture_on_commit_callbacks
):
    plan = schedule(saved(staff_user), [staff_user])
    assert plan.due_at == rome("2026-03-02 08:00")

    with django_capture_on_commit_callbacks(execute=True):
        outcomes = schedules_run_due(SENT_AT)

    assert [(o.period, o.outcome, o.sent_to) for o in outcomes] == [
        ("2026-03-02", "sent", [staff_user.email])
    ]
    (message,) = mail.outbox
    assert message.to == [staff_user.email]
    assert "February by kind" in message.subject
    name, content, mimetype = attachment_bytes(message)
    assert (name, mimetype) == ("february-by-kind-2026-03-02.csv", "text/csv")
    assert content == page_export(staff_client, "csv")
    assert "70.00" not in content.decode()  # January's credit is not in February
    # The link opens the same figures on the page.
    assert "date_from=2026-02-01" in message.body
    assert "date_to=2026-03-01" in message.body
    html, _type = message.alternatives[0]
    assert "February by kind" in html
    # Stored once with the e-mail: a retry sends the same bytes.
    stored = SentEmailAttachment.objects.get()
    assert bytes(stored.content) == content
    plan.refresh_from_db()
    assert plan.last_period == "2026-03-02"
    assert plan.due_at == rome("2026-04-01 08:00")


def test_the_xlsx_attached_has_the_pages_cells(
    staff_client, staff_user, ledger, django_capture_on_commit_callbacks, tmp_path
):
    schedule(saved(staff_user), [staff_user], fmt="xlsx")
    with django_capture_on_commit_callbacks(execute=True):
        schedules_run_due(SENT_AT)
    name, content, _mimetype = attachment_bytes(mail.outbox[0])
    assert name.endswith(".xlsx")

    def cells(data, path):
        path.write_bytes(data)
        return [
            list(row) for row in load_workbook(path).active.iter_rows(values_only=True)
        ]

    assert cells(content, tmp_path / "mail.xlsx") == cells(
        page_export(staff_client, "xlsx"), tmp_path / "page.xlsx"
    )


def test_beat_running_twice_sends_one_email_per_recipient(
    staff_user, ledger, django_capture_on_commit_callbacks
):
    colleague = StaffFactory(groups=["Staff"])
    schedule(saved(staff_user), [staff_user, colleague])
    with django_capture_on_commit_callbacks(execute=True):
        first = schedules_run_due(SENT_AT)
        second = schedules_run_due(SENT_AT)
        third = schedules_run_due(rome("2026-03-02 08:10"))
    assert len(first) == 1
    assert second == third == []
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [staff_user.email, colleague.email]
    )
    assert set(SentEmail.objects.values_list("event_key", flat=True)) == {
        f"report:{ReportSchedule.objects.get().pk}:2026-03-02:{person.pk}"
        for person in (staff_user, colleague)
    }
    assert ReportScheduleRun.objects.count() == 1


def test_the_beat_task_sends_what_is_due_now(
    staff_user, ledger, django_capture_on_commit_callbacks
):
    schedule(saved(staff_user), [staff_user], skip_empty=False, frequency="daily")
    with django_capture_on_commit_callbacks(execute=True):
        assert report_schedules_run_task.apply().get() == 1
        assert report_schedules_run_task.apply().get() == 0
    assert len(mail.outbox) == 1


def test_a_worker_killed_before_commit_leaves_nothing_and_the_rerun_sends_once(
    staff_user, ledger, django_capture_on_commit_callbacks, monkeypatch
):
    from reports.schedules import services

    colleague = StaffFactory(groups=["Staff"])
    schedule(saved(staff_user), [staff_user, colleague])
    real_create = ReportScheduleRun.objects.create

    def die(**kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(services.ReportScheduleRun.objects, "create", die)
    with pytest.raises(SystemExit):
        services.schedule_send(schedule_id=ReportSchedule.objects.get().pk, now=SENT_AT)
    assert not SentEmail.objects.exists()
    monkeypatch.setattr(services.ReportScheduleRun.objects, "create", real_create)
    with django_capture_on_commit_callbacks(execute=True):
        schedules_run_due(SENT_AT)
        schedules_run_due(SENT_AT)
    assert len(mail.outbox) == 2


def test_an_empty_report_is_skipped_and_recorded(
    staff_user, ledger, django_capture_on_commit_callbacks
):
    # April 2026 has no entries: sent on 2026-05-01 (a Friday), nothing goes.
    plan = schedule(saved(staff_user), [staff_user])
    with django_capture_on_commit_callbacks(execute=True):
        (outcome,) = schedules_run_due(rome("2026-05-01 09:00"))
    assert outcome.outcome == "empty"
    assert mail.outbox == []
    run = ReportScheduleRun.objects.get(schedule=plan)
    assert (run.period, run.outcome, run.sent_to) == ("2026-05-01", "empty", [])
    assert run.skipped == [{"email": staff_user.email, "reason": "empty"}]
    assert (str(run.date_from), str(run.date_to)) == ("2026-04-01", "2026-05-01")


def test_an_empty_report_is_sent_when_asked(
    staff_user, ledger, django_capture_on_commit_callbacks
):
    schedule(saved(staff_user), [staff_user], skip_empty=False)
    with django_capture_on_commit_callbacks(execute=True):
        schedules_run_due(rome("2026-05-01 09:00"))
    assert len(mail.outbox) == 1


def test_recipients_without_the_permission_or_no_longer_staff_are_skipped(
    staff_user, ledger, django_capture_on_commit_callbacks
):
    no_permission = StaffFactory()  # staff, no group: may not see the ledger
    leaving = StaffFactory(groups=["Staff"])
    plan = schedule(saved(staff_user), [staff_user, no_permission, leaving])
    leaving.is_active = False
    leaving.save()
    with django_capture_on_commit_callbacks(execute=True):
        (outcome,) = schedules_run_due(SENT_AT)
    assert [m.to for m in mail.outbox] == [[staff_user.email]]
    run = ReportScheduleRun.objects.get(schedule=plan)
    assert sorted(run.skipped, key=lambda s: s["email"]) == sorted(
        [
            {"email": no_permission.email, "reason": "no_permission"},
            {"email": leaving.email, "reason": "not_staff"},
        ],
        key=lambda s: s["email"],
    )


def test_the_report_is_in_the_recipients_language(
    staff_user, ledger, django_capture_on_commit_callbacks
):
    italian = StaffFactory(groups=["Staff"], language="it")
    schedule(saved(staff_user), [italian])
    with django_capture_on_commit_callbacks(execute=True):
        schedules_run_due(SENT_AT)
    (message,) = mail.outbox
    _name, content, _type = attachment_bytes(message)
    header = content.decode().splitlines()[0]
    assert header.startswith("Tipo di ope")  # the labels are Italian
    assert header.endswith(",Netto")
    assert SentEmail.objects.get().language == "it"


def test_after_downtime_only_the_last_missed_period_is_sent(
    staff_user, ledger, django_capture_on_commit_callbacks
):
    plan = schedule(saved(staff_user), [staff_user], frequency="daily")
    assert plan.due_at == rome("2026-02-21 08:00")
    with django_capture_on_commit_callbacks(execute=True):
        (outcome,) = schedules_run_due(rome("2026-02-25 12:00"))
    assert outcome.period == "2026-02-25"
    plan.refresh_from_db()
    assert plan.due_at == rome("2026-02-26 08:00")


def test_the_command_prints_what_it_did(
    staff_user, ledger, django_capture_on_commit_callbacks
):
    no_permission = StaffFactory()
    schedule(saved(staff_user), [staff_user, no_permission])
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_report_schedules", "--now", "2026-03-02T08:05", stdout=out)
        call_command("run_report_schedules", "--now", "2026-03-02T08:05", stdout=out)
    text = out.getvalue()
    assert "“February by kind” 2026-03-02: Sent, sent to 1" in text
    assert f"✗ {no_permission.email}: may not see this report's source" in text
    assert "1 scheduled reports due, 1 e-mails queued." in text
    assert "0 scheduled reports due, 0 e-mails queued." in text
    assert len(mail.outbox) == 1


def test_the_command_refuses_a_bad_time():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not a date and time"):
        call_command("run_report_schedules", "--now", "tomorrow")
