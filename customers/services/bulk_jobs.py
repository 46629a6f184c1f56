"""Bulk actions of the customer list that run in the background, as ``BulkJob``
rows: the view records what to do and to whom (the list's query string), a task
runs it, and the job's page shows how far it has got.

Running a job twice, or again after a worker was killed halfway, changes nothing
more: the bulk services skip customers already done (a tag already there, a run
already enrolled), and a finished job is left as it is.
"""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from core import plugins
from customers import selectors
from customers.filters import CustomerFilterSet
from customers.forms.list import BULK_ACTION_PERMISSIONS, LIST_ACTIONS, TAG_ACTIONS
from customers.models import BulkJob, NewsletterList, Tag
from customers.services.marketing import customer_id_batches, customers_bulk_apply

logger = logging.getLogger(__name__)


def bulk_job_create(
    *, action: str, target_value: str, target_label: str, query_string: str, actor
) -> BulkJob:
    """Records a bulk action to run in the background and queues it once the
    transaction commits. The view has checked the action, its target and the
    filters; the task checks them again when it runs."""
    from customers.bulk_tasks import customers_bulk_job_task

    job = BulkJob.objects.create(
        action=action,
        target_value=target_value,
        target_label=target_label[:255],
        query_string=query_string,
        created_by=actor,
    )
    customers_bulk_job_task.delay_on_commit(job.pk)
    return job


def bulk_job_action_label(job: BulkJob) -> str:
    """The action's name as the list's menu shows it."""
    from customers.forms.list import BULK_ACTIONS

    own = dict(BULK_ACTIONS)
    if job.action in own:
        return str(own[job.action])
    entry = plugins.customer_bulk_actions.get(job.action)
    return str(entry.label) if entry is not None else job.action


def _fail(job: BulkJob, message: str) -> BulkJob:
    logger.warning("Bulk job %s (%s) not applied: %s", job.pk, job.action, message)
    job.status = BulkJob.Status.FAILED
    job.failure = message
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "failure", "finished_at"])
    return job


def _claim(job_id: int) -> BulkJob | None:
    with transaction.atomic():
        job = BulkJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.finished:
            return job
        job.status = BulkJob.Status.RUNNING
        job.started_at = job.started_at or timezone.now()
        job.save(update_fields=["status", "started_at"])
        return job


def _progress_set(job: BulkJob, processed: int, total: int) -> None:
    BulkJob.objects.filter(pk=job.pk).update(
        processed=processed, total=max(total, processed)
    )


def bulk_job_run(job_id: int) -> BulkJob | None:
    """Runs a queued job to its end (or to a failure with its reason); a job
    already finished is returned unchanged."""
    job = _claim(job_id)
    if job is None or job.finished:
        return job
    actor = (
        get_user_model().objects.filter(pk=job.created_by_id, is_active=True).first()
    )
    entry = plugins.customer_bulk_actions.get(job.action)
    permission = BULK_ACTION_PERMISSIONS.get(job.action) or (
        entry.permission if entry is not None else None
    )
    if actor is None or (permission and not actor.has_perm(permission)):
        return _fail(job, _("The staff member who asked for it may no longer do it."))
    filterset = CustomerFilterSet(
        QueryDict(job.query_string),
        queryset=selectors.customer_list_queryset(actor),
        user=actor,
    )
    if not filterset.is_valid():
        return _fail(job, _("The list's filters are no longer valid."))
    customers = filterset.qs
    try:
        if job.action in TAG_ACTIONS | LIST_ACTIONS:
            changed = _own_action_run(job, customers, actor)
        elif entry is not None and job.action not in BULK_ACTION_PERMISSIONS:
            target = entry.make_field().clean(job.target_value)
            changed = entry.apply(
                customers=customers,
                target=target,
                actor=actor,
                progress=lambda done, total: _progress_set(job, done, total),
            )
        else:
            return _fail(job, _("This action can no longer run in the background."))
    except ValidationError as error:  # e.g. the list archived, the funnel paused
        return _fail(job, " ".join(error.messages))
    BulkJob.objects.filter(pk=job.pk).update(
        status=BulkJob.Status.DONE,
        changed=F("changed") + changed,
        processed=F("total"),
        finished_at=timezone.now(),
    )
    job.refresh_from_db()
    return job


def _own_action_run(job: BulkJob, customers, actor) -> int:
    model = Tag if job.action in TAG_ACTIONS else NewsletterList
    target = model.objects.filter(pk=int(job.target_value)).first()
    if target is None:
        raise ValidationError(_("The tag or list was deleted meanwhile."))
    total = customers.count()
    _progress_set(job, 0, total)
    changed = processed = 0
    for batch in customer_id_batches(customers):
        changed += customers_bulk_apply(
            action=job.action, target=target, batches=[batch], actor=actor
        )
        processed += len(batch)
        _progress_set(job, processed, total)
    return changed
