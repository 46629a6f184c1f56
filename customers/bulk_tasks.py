"""Background work of the customer list's bulk actions (imported by the app config).

A task takes ids and the list's query string, loads what it needs, and calls one
service; the bulk services are idempotent, so running the task twice changes nothing
more.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import QueryDict

from core import plugins
from customers import selectors
from customers.filters import CustomerFilterSet
from customers.forms.list import BULK_ACTION_PERMISSIONS, LIST_ACTIONS, TAG_ACTIONS
from customers.models import NewsletterList, Tag
from customers.services.marketing import customer_id_batches, customers_bulk_apply

logger = logging.getLogger(__name__)


@shared_task(time_limit=3600, soft_time_limit=3500)
def customers_bulk_apply_task(
    action: str, target_id: int, query_string: str, actor_id: int
) -> int:
    """Applies a bulk action to every customer the list's filters match."""
    actor = get_user_model().objects.filter(pk=actor_id, is_active=True).first()
    permission = BULK_ACTION_PERMISSIONS.get(action)
    if actor is None or permission is None or not actor.has_perm(permission):
        logger.warning("Bulk %s by user %s refused", action, actor_id)
        return 0
    target: Tag | NewsletterList | None
    if action in TAG_ACTIONS:
        target = Tag.objects.filter(pk=target_id).first()
    elif action in LIST_ACTIONS:
        target = NewsletterList.objects.filter(pk=target_id).first()
    else:
        return 0
    if target is None:
        return 0
    filterset = CustomerFilterSet(
        QueryDict(query_string),
        queryset=selectors.customer_list_queryset(actor),
        user=actor,
    )
    if not filterset.is_valid():
        return 0
    try:
        return customers_bulk_apply(
            action=action,
            target=target,
            batches=customer_id_batches(filterset.qs),
            actor=actor,
        )
    except ValidationError as error:  # e.g. the list was archived meanwhile
        logger.warning("Bulk %s not applied: %s", action, error)
        return 0


@shared_task(time_limit=3600, soft_time_limit=3500)
def customers_bulk_plugin_task(
    action: str, target_value: str, query_string: str, actor_id: int
) -> int:
    """Applies a bulk action another app brings (core.plugins.customer_bulk_actions)
    to every customer the list's filters match; its target is checked again by the
    action's own field (a funnel paused meanwhile is refused)."""
    actor = get_user_model().objects.filter(pk=actor_id, is_active=True).first()
    entry = plugins.customer_bulk_actions.get(action)
    if (
        actor is None
        or entry is None
        or (entry.permission and not actor.has_perm(entry.permission))
    ):
        logger.warning("Bulk %s by user %s refused", action, actor_id)
        return 0
    try:
        target = entry.make_field().clean(target_value)
    except ValidationError as error:
        logger.warning("Bulk %s not applied: %s", action, error)
        return 0
    filterset = CustomerFilterSet(
        QueryDict(query_string),
        queryset=selectors.customer_list_queryset(actor),
        user=actor,
    )
    if not filterset.is_valid():
        return 0

    def progress(done: int, total: int) -> None:
        logger.info("Bulk %s: %d of %d done", action, done, total)

    try:
        return entry.apply(
            customers=filterset.qs, target=target, actor=actor, progress=progress
        )
    except ValidationError as error:
        logger.warning("Bulk %s not applied: %s", action, error)
        return 0
