"""A funnel's runs (filters, a run's steps, Stop) and Needs attention (Retry,
Skip, one by one and ticked): permissions, and no N+1 queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from automation.models import Run, StepVisit
from automation.services import funnel_enrol, funnel_enrol_customer, funnels_tick
from customers.models import Customer
from tests.automation.conftest import REFUSING, effects
from tests.automation.runs_support import (
    fail_for_good,
    failing_funnel,
    manual_funnel,
)
from tests.customers.factories import CustomerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]


def runs_url(funnel, query=""):
    url = reverse("automation:staff_runs", args=[funnel.pk])
    return f"{url}?{query}" if query else url


def run_url(run):
    return reverse("automation:staff_run", args=[run.funnel_id, run.pk])


def records(response) -> list:
    return [row.record for row in response.context["table"].page.object_list]


def listed(response) -> set[str]:
    """The e-mails of the customers the runs table shows."""
    return {run.customer.email for run in records(response)}


def test_runs_pages_refuse_staff_without_automation_permissions(staff_client):
    funnel = failing_funnel()
    customer = CustomerFactory()
    run = funnel_enrol_customer(funnel=funnel, customer=customer)
    fail_for_good(customer)
    visit = StepVisit.objects.get(step_key="debit")
    for url in (runs_url(funnel), run_url(run), reverse("automation:staff_attention")):
        assert staff_client.get(url).status_code == 403, url
    for url in (
        reverse("automation:staff_run_cancel", args=[funnel.pk, run.pk]),
        reverse("automation:staff_visit_retry", args=[visit.pk]),
        reverse("automation:staff_visit_skip", args=[visit.pk]),
        reverse("automation:staff_attention_bulk"),
    ):
        assert staff_client.post(url, {"selected": [visit.pk]}).status_code == 403
    run.refresh_from_db()
    visit.refresh_from_db()
    assert (run.state, visit.state) == (Run.State.ACTIVE, StepVisit.State.FAILED)


def test_runs_pages_send_anonymous_visitors_to_the_login(client):
    funnel = manual_funnel()
    response = client.get(runs_url(funnel))
    assert response.status_code == 302
    assert reverse("staff:login") in response["Location"]


def test_runs_list_shows_each_run_with_its_step(manager_client):
    funnel = manual_funnel()
    anna = CustomerFactory(first_name="Anna", last_name="Rossi")
    run = funnel_enrol_customer(funnel=funnel, customer=anna)
    response = manager_client.get(runs_url(funnel))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Anna Rossi" in page
    assert reverse("customers:card", args=[anna.pk]) in page
    assert run_url(run) in page
    row = records(response)[0]
    assert row.current_step == "pause"


def test_runs_list_filters(manager_client):
    funnel = manual_funnel()
    anna = CustomerFactory(first_name="Anna", last_name="Bermejo", email="a@x.es")
    bruno = CustomerFactory(first_name="Bruno", last_name="Neri", email="b@x.es")
    carla = CustomerFactory(first_name="Carla", last_name="Neri", email="c@x.es")
    a_run = funnel_enrol_customer(funnel=funnel, customer=anna)
    funnel_enrol_customer(funnel=funnel, customer=bruno)
    funnel_enrol_customer(funnel=funnel, customer=carla, is_test=True)
    # The waits end and the credits are done: the three runs have completed.
    funnels_tick(now=timezone.now() + timedelta(days=3))
    # Anna entered ten days ago.
    Run.objects.filter(pk=a_run.pk).update(
        entered_at=timezone.now() - timedelta(days=10)
    )
    assert Run.objects.get(pk=a_run.pk).state == Run.State.COMPLETED

    assert listed(manager_client.get(runs_url(funnel, "q=bermejo"))) == {"a@x.es"}
    assert listed(manager_client.get(runs_url(funnel, "q=neri"))) == {
        "b@x.es",
        "c@x.es",
    }
    assert listed(manager_client.get(runs_url(funnel, "test=test"))) == {"c@x.es"}
    assert listed(manager_client.get(runs_url(funnel, "test=real"))) == {
        "a@x.es",
        "b@x.es",
    }
    assert listed(manager_client.get(runs_url(funnel, "state=completed"))) == {
        "a@x.es",
        "b@x.es",
        "c@x.es",
    }
    assert listed(manager_client.get(runs_url(funnel, "step=gift"))) == {
        "a@x.es",
        "b@x.es",
        "c@x.es",
    }
    assert listed(manager_client.get(runs_url(funnel, "step=pause"))) == set()
    today = timezone.localdate().isoformat()
    assert listed(manager_client.get(runs_url(funnel, f"entered_from={today}"))) == {
        "b@x.es",
        "c@x.es",
    }
    old = (timezone.localdate() - timedelta(days=5)).isoformat()
    assert listed(manager_client.get(runs_url(funnel, f"entered_to={old}"))) == {
        "a@x.es"
    }


def test_runs_list_current_step_follows_the_run(manager_client):
    funnel = manual_funnel()
    waiting = CustomerFactory(email="w@x.es")
    funnel_enrol_customer(funnel=funnel, customer=waiting)
    assert listed(manager_client.get(runs_url(funnel, "step=pause"))) == {"w@x.es"}
    assert listed(manager_client.get(runs_url(funnel, "state=active"))) == {"w@x.es"}


def test_runs_list_refuses_bad_filters_with_a_message(manager_client):
    funnel = manual_funnel()
    funnel_enrol_customer(funnel=funnel, customer=CustomerFactory())
    response = manager_client.get(
        runs_url(funnel, "entered_from=2026-05-02&entered_to=2026-05-01&state=nope")
    )
    assert response.status_code == 200
    assert listed(response) == set()
    errors = response.context["filter"].form.errors
    assert "The end date is before the start date" in str(errors["entered_to"])
    assert "state" in errors
    assert listed(manager_client.get(runs_url(funnel, "step=nowhere"))) == set()


def test_runs_list_has_no_n_plus_one(manager_client):
    funnel = manual_funnel()

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert manager_client.get(runs_url(funnel)).status_code == 200
        return len(captured)

    funnel_enrol(funnel, Customer.objects.filter(pk=CustomerFactory().pk))
    queries()  # the first request of a test loads what is cached after
    few = queries()
    CustomerFactory.create_batch(12)
    funnel_enrol(funnel, Customer.objects.all())
    assert Run.objects.count() == 13
    assert queries() == few


def test_run_detail_shows_the_steps_and_stop_cancels_the_run(manager_client):
    funnel = manual_funnel()
    customer = CustomerFactory()
    run = funnel_enrol_customer(funnel=funnel, customer=customer)
    response = manager_client.get(run_url(run))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="run-visits"' in page and "pause" in page
    assert 'data-testid="run-stop"' in page

    stop = reverse("automation:staff_run_cancel", args=[funnel.pk, run.pk])
    response = manager_client.post(stop, follow=True)
    assert "was taken out of" in response.content.decode()
    run.refresh_from_db()
    assert run.state == Run.State.CANCELLED
    assert StepVisit.objects.get(run=run).state == StepVisit.State.CANCELLED
    # Nothing more happens: the wait's credit never comes.
    funnels_tick(now=timezone.now() + timedelta(days=3))
    assert not effects().exists()

    response = manager_client.post(stop, follow=True)
    assert "already ended" in response.content.decode()
    assert (
        'data-testid="run-stop"'
        not in manager_client.get(run_url(run)).content.decode()
    )


def test_run_detail_of_another_funnel_is_a_404(manager_client):
    funnel = manual_funnel()
    other = manual_funnel(name="Other")
    run = funnel_enrol_customer(funnel=funnel, customer=CustomerFactory())
    url = reverse("automation:staff_run", args=[other.pk, run.pk])
    assert manager_client.get(url).status_code == 404
    stop = reverse("automation:staff_run_cancel", args=[other.pk, run.pk])
    assert manager_client.post(stop).status_code == 404
    assert Run.objects.get(pk=run.pk).state == Run.State.ACTIVE


def test_run_detail_has_no_n_plus_one(manager_client):
    funnel = manual_funnel(
        steps=[
            {
                "key": "a",
                "kind": "action",
                "action": "test.credit",
                "params": {"amount": 1},
                "next": "b",
            },
            {
                "key": "b",
                "kind": "action",
                "action": "test.credit",
                "params": {"amount": 2},
                "next": "c",
            },
            {"key": "c", "kind": "wait", "duration": {"days": 1}, "next": None},
        ]
    )
    run = funnel_enrol_customer(funnel=funnel, customer=CustomerFactory())
    manager_client.get(run_url(run))  # the first request loads what is cached
    with CaptureQueriesContext(connection) as first:
        manager_client.get(run_url(run))
    funnels_tick()
    assert StepVisit.objects.filter(run=run).count() == 3
    with CaptureQueriesContext(connection) as then:
        assert manager_client.get(run_url(run)).status_code == 200
    assert len(then) == len(first)


# --- Needs attention ---


def attention(client):
    return client.get(reverse("automation:staff_attention"))


def test_attention_lists_failed_steps_with_their_error(manager_client):
    funnel = failing_funnel()
    customer = CustomerFactory(first_name="Dora", last_name="Verdi")
    funnel_enrol_customer(funnel=funnel, customer=customer)
    fail_for_good(customer)
    response = attention(manager_client)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Dora Verdi" in page and "Debit" in page and "debit" in page
    assert "The balance cannot cover 5.00." in page
    visit = StepVisit.objects.get(step_key="debit")
    assert f'data-testid="retry-{visit.pk}"' in page
    assert f'data-testid="skip-{visit.pk}"' in page


def test_attention_retry_runs_the_step_again(manager_client):
    funnel = failing_funnel()
    customer = CustomerFactory()
    funnel_enrol_customer(funnel=funnel, customer=customer)
    fail_for_good(customer)
    visit = StepVisit.objects.get(step_key="debit")
    REFUSING.clear()
    response = manager_client.post(
        reverse("automation:staff_visit_retry", args=[visit.pk]), follow=True
    )
    assert "will run again at the next tick" in response.content.decode()
    visit.refresh_from_db()
    assert (visit.state, visit.attempts) == (StepVisit.State.SCHEDULED, 0)
    funnels_tick()
    assert effects("test_refuse").count() == 1
    assert Run.objects.get().state == Run.State.COMPLETED
    # Decided already: a second Retry says so and changes nothing.
    response = manager_client.post(
        reverse("automation:staff_visit_retry", args=[visit.pk]), follow=True
    )
    assert "no longer waiting for a decision" in response.content.decode()


def test_attention_skip_gives_up_the_step_and_the_run_goes_on(manager_client):
    funnel = failing_funnel()
    customer = CustomerFactory()
    funnel_enrol_customer(funnel=funnel, customer=customer)
    fail_for_good(customer)
    visit = StepVisit.objects.get(step_key="debit")
    next_url = reverse("automation:staff_attention") + "?page=1"
    response = manager_client.post(
        reverse("automation:staff_visit_skip", args=[visit.pk]), {"next": next_url}
    )
    assert response["Location"] == next_url
    visit.refresh_from_db()
    assert visit.state == StepVisit.State.SKIPPED
    funnels_tick()
    assert not effects("test_refuse").exists()
    assert effects().count() == 1  # the credit after it
    assert "Nothing to show" in attention(manager_client).content.decode() or (
        "No step needs attention" in attention(manager_client).content.decode()
    )


def test_attention_decision_refuses_a_foreign_next(manager_client):
    funnel = failing_funnel()
    customer = CustomerFactory()
    funnel_enrol_customer(funnel=funnel, customer=customer)
    fail_for_good(customer)
    visit = StepVisit.objects.get(step_key="debit")
    response = manager_client.post(
        reverse("automation:staff_visit_skip", args=[visit.pk]),
        {"next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("automation:staff_attention")


def test_attention_bulk_retries_or_skips_the_ticked_steps(manager_client):
    funnel = failing_funnel()
    customers = CustomerFactory.create_batch(3)
    for customer in customers:
        funnel_enrol_customer(funnel=funnel, customer=customer)
    fail_for_good(*customers)
    visits = list(StepVisit.objects.filter(step_key="debit").order_by("pk"))
    url = reverse("automation:staff_attention_bulk")

    response = manager_client.post(
        url, {"action": "retry", "selected": [visits[0].pk, visits[1].pk]}, follow=True
    )
    assert "2 steps will run again" in response.content.decode()
    response = manager_client.post(
        url, {"action": "skip", "selected": [visits[1].pk, visits[2].pk]}, follow=True
    )
    page = response.content.decode()
    # visits[1] is scheduled again without an error: it is no longer failed.
    states = dict(StepVisit.objects.filter(step_key="debit").values_list("pk", "state"))
    assert states[visits[0].pk] == StepVisit.State.SCHEDULED
    assert states[visits[2].pk] == StepVisit.State.SKIPPED
    assert "step was skipped" in page or "steps were skipped" in page


def test_attention_bulk_refuses_an_empty_or_bad_selection(manager_client):
    url = reverse("automation:staff_attention_bulk")
    response = manager_client.post(url, {"action": "retry"})
    assert response.status_code == 400
    assert "Tick at least one step." in response.content.decode()
    response = manager_client.post(url, {"action": "retry", "selected": ["x"]})
    assert response.status_code == 400
    assert "The selection is not valid" in response.content.decode()
    response = manager_client.post(url, {"action": "drop", "selected": ["1"]})
    assert response.status_code == 400


def test_attention_has_no_n_plus_one(manager_client):
    funnel = failing_funnel()
    first = CustomerFactory()
    funnel_enrol_customer(funnel=funnel, customer=first)
    fail_for_good(first)
    attention(manager_client)  # the first request loads what is cached
    with CaptureQueriesContext(connection) as few:
        attention(manager_client)
    more = CustomerFactory.create_batch(8)
    for customer in more:
        funnel_enrol_customer(funnel=funnel, customer=customer)
    fail_for_good(*more)
    assert StepVisit.objects.filter(state=StepVisit.State.FAILED).count() == 9
    with CaptureQueriesContext(connection) as many:
        assert attention(manager_client).status_code == 200
    assert len(many) == len(few)


def test_dashboard_shows_how_many_steps_need_attention(manager_client, staff_user):
    funnel = failing_funnel()
    customer = CustomerFactory()
    funnel_enrol_customer(funnel=funnel, customer=customer)
    fail_for_good(customer)
    page = manager_client.get(reverse("staff:dashboard")).content.decode()
    assert 'data-testid="attention-count"' in page
    assert reverse("automation:staff_attention") in page
    assert "1</strong>" in page.split('data-testid="attention-count"')[1][:200]
    staff_client = Client()
    staff_client.force_login(staff_user)
    page = staff_client.get(reverse("staff:dashboard")).content.decode()
    assert 'data-testid="attention-count"' not in page


def test_attention_offers_skip_only_for_a_step_still_retrying(manager_client):
    funnel = failing_funnel()
    customer = CustomerFactory()
    funnel_enrol_customer(funnel=funnel, customer=customer)
    REFUSING.add(customer.pk)
    funnels_tick()  # the first attempt fails; the step is retried later
    visit = StepVisit.objects.get(step_key="debit")
    assert (visit.state, visit.attempts) == (StepVisit.State.SCHEDULED, 1)
    page = attention(manager_client).content.decode()
    assert f'data-testid="skip-{visit.pk}"' in page
    assert f'data-testid="retry-{visit.pk}"' not in page
    manager_client.post(reverse("automation:staff_visit_skip", args=[visit.pk]))
    visit.refresh_from_db()
    assert visit.state == StepVisit.State.SKIPPED
