"""run_funnels, funnel_export, funnel_import and funnel_enrol, the beat entry."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from automation.models import Funnel, Run
from automation.tasks import funnels_tick_task
from tests.automation.conftest import credit, document, effects
from tests.customers.factories import CustomerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_run_funnels_help_is_translated_text(capsys):
    with pytest.raises(SystemExit):
        call_command("run_funnels", "--help")
    assert "--now YYYY-MM-DDTHH:MM" in capsys.readouterr().out


def test_run_funnels_runs_what_is_due_and_prints_it(tmp_path):
    path = tmp_path / "f.json"
    path.write_text(
        json.dumps(
            document(
                [
                    {"key": "w", "kind": "wait", "duration": {"days": 3}, "next": "c"},
                    credit("c"),
                ],
                trigger="automation.manual",
            )
        )
    )
    assert "imported (Active)" in run("funnel_import", str(path), "--activate")
    funnel = Funnel.objects.get()
    customer = CustomerFactory()
    assert "1 enrolled" in run(
        "funnel_enrol", str(funnel.pk), "--email", customer.email
    )
    assert run("run_funnels").startswith("0 enrolled; 0 steps done")
    later = (timezone.localtime() + timedelta(days=3, hours=1)).strftime(
        "%Y-%m-%dT%H:%M"
    )
    out = run("run_funnels", "--now", later, "--batch", "10")
    assert "2 steps done, 0 skipped, 0 to retry, 0 failed." in out
    assert effects().count() == 1


def test_run_funnels_refuses_bad_arguments():
    with pytest.raises(CommandError, match="is not a moment"):
        run("run_funnels", "--now", "tomorrow")
    with pytest.raises(CommandError, match="between 1 and 5000"):
        run("run_funnels", "--batch", "0")


def test_funnel_import_refuses_a_bad_file_saying_where(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps(
            document([{"key": "wait-1", "kind": "wait", "duration": {"days": -1}}])
        )
    )
    with pytest.raises(CommandError, match="step 1 'wait-1': a wait must be"):
        run("funnel_import", str(path))
    path.write_text("{not json")
    with pytest.raises(CommandError, match="is not JSON"):
        run("funnel_import", str(path))
    assert not Funnel.objects.exists()


def test_funnel_export_prints_what_import_reads(tmp_path):
    original = document([credit()], name="Export me")
    path = tmp_path / "a.json"
    path.write_text(json.dumps(original))
    run("funnel_import", str(path))
    exported = json.loads(run("funnel_export", str(Funnel.objects.get().pk)))
    assert exported == original
    with pytest.raises(CommandError, match="There is no funnel 999"):
        run("funnel_export", "999")


def test_funnel_enrol_all_and_unknown_email(tmp_path):
    path = tmp_path / "a.json"
    path.write_text(json.dumps(document([credit()], trigger="automation.manual")))
    run("funnel_import", str(path), "--activate")
    funnel = Funnel.objects.get()
    CustomerFactory.create_batch(4)
    assert "4 enrolled" in run("funnel_enrol", str(funnel.pk), "--all")
    assert "0 enrolled" in run("funnel_enrol", str(funnel.pk), "--all")
    with pytest.raises(CommandError, match="No customer has the e-mail"):
        run("funnel_enrol", str(funnel.pk), "--email", "nobody@example.com")
    assert Run.objects.count() == 4


def test_beat_runs_the_tick_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["automation-funnels-tick"]
    assert entry["task"] == "automation.tasks.funnels_tick_task"
    assert entry["schedule"] == timedelta(minutes=1)
    assert funnels_tick_task() == 0
