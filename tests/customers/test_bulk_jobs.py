"""Bulk actions of the customer list run in the background as jobs, with a page
that shows how far they have got (issue 12: "shows progress")."""

import functools

import pytest

from customers.models import BulkJob, Tag
from customers.services import bulk_jobs
from customers.services.bulk_jobs import bulk_job_run
from customers.services.marketing import customer_id_batches
from tests.core.factories import StaffFactory
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tag():
    return Tag.objects.create(name="VIP", colour="#aa0000")


@pytest.fixture
def small_cap(monkeypatch):
    from customers.views import bulk

    monkeypatch.setattr(bulk, "INLINE_LIMIT", 2)


def post_all(client, data, query):
    return client.post(f"/staff/customers/bulk/?{query}", {**data, "scope": "all"})


def test_past_the_cap_the_list_sends_staff_to_the_jobs_progress_page(
    staff_client, staff_user, tag, small_cap, django_capture_on_commit_callbacks
):
    romans = CustomerFactory.create_batch(4, city="Roma")
    CustomerFactory(city="Milano")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post_all(
            staff_client, {"action": "add_tag", "tag": tag.pk}, "city=Roma"
        )

    job = BulkJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/staff/customers/bulk/{job.pk}/"
    assert len(callbacks) == 1
    assert (job.action, job.target_value, job.target_label) == (
        "add_tag",
        str(tag.pk),
        "VIP",
    )
    assert (job.created_by, job.query_string) == (staff_user, "city=Roma")
    assert (job.status, job.total, job.processed, job.changed) == ("done", 4, 4, 4)
    assert set(tag.customers.values_list("pk", flat=True)) == {c.pk for c in romans}

    page = staff_client.get(response["Location"]).content.decode()
    assert "Add a tag: VIP" in page
    assert "applied in the background" in page
    assert "4 of 4 customers" in page
    assert 'data-changed="4"' in page
    assert 'href="/staff/customers/?city=Roma"' in page
    # Finished: the page stops polling.
    assert "hx-trigger" not in page


def test_a_queued_job_polls_and_htmx_gets_only_the_status(
    staff_client, staff_user, tag
):
    job = BulkJob.objects.create(
        action="add_tag",
        target_value=str(tag.pk),
        target_label="VIP",
        created_by=staff_user,
        total=10,
        processed=3,
        status=BulkJob.Status.RUNNING,
    )
    url = f"/staff/customers/bulk/{job.pk}/"

    full = staff_client.get(url).content.decode()
    partial = staff_client.get(url, HTTP_HX_REQUEST="true").content.decode()

    assert 'hx-trigger="every 1s"' in full
    assert '<meta http-equiv="refresh" content="2">' in full
    assert "3 of 10 customers" in partial
    assert 'value="3"' in partial
    assert "<html" not in partial


def test_a_job_is_shown_only_to_who_asked_for_it_and_superusers(
    client, staff_user, tag
):
    job = BulkJob.objects.create(
        action="add_tag",
        target_value=str(tag.pk),
        target_label="VIP",
        created_by=staff_user,
    )
    url = f"/staff/customers/bulk/{job.pk}/"

    assert client.get(url).status_code == 302  # to the staff login
    client.force_login(StaffFactory(groups=["Staff"]))
    assert client.get(url).status_code == 404
    client.force_login(StaffFactory(is_superuser=True))
    assert client.get(url).status_code == 200
    assert client.get("/staff/customers/bulk/999999/").status_code == 404


def test_progress_is_written_after_every_batch(staff_user, tag, monkeypatch):
    CustomerFactory.create_batch(5)
    seen = []
    original = bulk_jobs._progress_set

    def spy(job, processed, total):
        original(job, processed, total)
        seen.append((processed, total))

    monkeypatch.setattr(bulk_jobs, "_progress_set", spy)
    monkeypatch.setattr(
        bulk_jobs, "customer_id_batches", functools.partial(customer_id_batches, size=2)
    )
    job = BulkJob.objects.create(
        action="add_tag",
        target_value=str(tag.pk),
        target_label="VIP",
        created_by=staff_user,
    )

    bulk_job_run(job.pk)

    assert seen == [(0, 5), (2, 5), (4, 5), (5, 5)]


def test_a_job_run_again_after_a_worker_died_finishes_without_doing_anything_twice(
    staff_user, tag
):
    customers = CustomerFactory.create_batch(3)
    customers[0].tags.add(tag)  # done before the worker died
    job = BulkJob.objects.create(
        action="add_tag",
        target_value=str(tag.pk),
        target_label="VIP",
        created_by=staff_user,
        status=BulkJob.Status.RUNNING,
        processed=1,
        total=3,
    )

    finished = bulk_job_run(job.pk)
    again = bulk_job_run(job.pk)

    assert (finished.status, finished.changed, finished.processed) == ("done", 2, 3)
    assert (again.status, again.changed, again.finished_at) == (
        "done",
        2,
        finished.finished_at,
    )
    assert tag.customers.count() == 3


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("tag_deleted", "was deleted meanwhile"),
        ("permission_lost", "may no longer do it"),
        ("bad_filters", "filters are no longer valid"),
    ],
)
def test_a_job_that_can_no_longer_run_fails_with_its_reason(
    staff_client, staff_user, tag, change, message
):
    customer = CustomerFactory()
    query = "city=Roma"
    target = "999999" if change == "tag_deleted" else str(tag.pk)
    if change == "permission_lost":
        staff_user.groups.clear()
        staff_user.user_permissions.clear()
    if change == "bad_filters":
        query = "registered_from=not-a-date"
    job = BulkJob.objects.create(
        action="add_tag",
        target_value=target,
        target_label="VIP",
        query_string=query,
        created_by=staff_user,
    )

    finished = bulk_job_run(job.pk)

    assert finished.status == "failed"
    assert message in finished.failure
    assert not customer.tags.exists()
    if change != "permission_lost":
        page = staff_client.get(f"/staff/customers/bulk/{job.pk}/").content.decode()
        assert message in page
