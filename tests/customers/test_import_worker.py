"""The import job through a real Celery worker and Redis (marker celery_worker)."""

import io
import time

import pytest

from customers.models import Customer, CustomerEvent, ImportJob
from customers.services import imports
from customers.tasks import import_job_run_task
from tests.core.test_celery_worker import redis_worker, wait_for  # noqa: F401
from tests.customers.import_support import sample_bytes


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_import_job_delivered_twice_to_a_worker_imports_once(redis_worker):  # noqa: F811
    job = imports.import_job_create(
        file=io.BytesIO(sample_bytes("it_cp1252.csv")), original_name="it.csv"
    )
    imports.import_job_start(job=job, update_existing=False)  # delay_on_commit
    import_job_run_task.delay(job.pk)  # the broker delivers it again
    assert wait_for(
        lambda: ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.DONE
    ), "the worker did not finish the import"
    time.sleep(1.0)  # give the second delivery time to run
    job.refresh_from_db()
    assert (job.created_count, job.processed_rows, job.error_count) == (60, 60, 0)
    assert Customer.objects.count() == 60
    assert CustomerEvent.objects.count() == 60
