"""Marketing: internal tags, newsletter lists, and which customers are on them.

The writes on customers work set-based, a batch of ids at a time, so the same
functions serve one customer on the card and a million in a bulk action: through
rows go in with ``bulk_create(ignore_conflicts=True)``, unsubscribes are one
``UPDATE``, and each customer that really changed gets one timeline event (inserted
with ``bulk_create``). Customers of a batch are locked in pk order first, so two
staff changing the same customers at once never record a change twice.

Each real change also fires its funnel trigger ("customer.tag_added",
"customer.tag_removed", "customer.list_subscribed", "customer.list_unsubscribed")
in the batch's transaction, keyed by the change's timeline event; a customer who
already had the tag (or was already on the list) fires nothing. Deleting a tag
fires no "tag removed": the tag, and the funnels' parameter naming it, are gone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.automation_events import automation_event_send
from customers.models import (
    Customer,
    CustomerEvent,
    NewsletterList,
    Subscription,
    Tag,
)

BATCH_SIZE = 2000

TagLink = Customer.tags.through


def _actor(actor):
    return actor if actor is not None and actor.is_authenticated else None


def customer_id_batches(
    queryset: QuerySet[Customer], *, size: int = BATCH_SIZE
) -> Iterator[list[int]]:
    """The ids of ``queryset`` in ascending batches (keyset, no OFFSET, no COUNT)."""
    ids = queryset.prefetch_related(None).order_by("pk").values_list("pk", flat=True)
    last = 0
    while True:
        batch = list(ids.filter(pk__gt=last)[:size])
        if not batch:
            return
        yield batch
        last = batch[-1]


def _batches(customer_ids: Iterable[int]) -> Iterator[list[int]]:
    ids = sorted({int(pk) for pk in customer_ids})
    for start in range(0, len(ids), BATCH_SIZE):
        yield ids[start : start + BATCH_SIZE]


def _locked(ids: Sequence[int]) -> QuerySet[Customer]:
    """The customers of a batch that exist, locked in pk order."""
    return Customer.objects.filter(pk__in=ids).order_by("pk").select_for_update()


def _record(
    ids: Iterable[int], *, kind, detail: str, actor, data: dict
) -> list[CustomerEvent]:
    return CustomerEvent.objects.bulk_create(
        [
            CustomerEvent(
                customer_id=pk, kind=kind, detail=detail[:500], actor=actor, data=data
            )
            for pk in ids
        ],
        batch_size=BATCH_SIZE,
    )


def _triggers_send(
    trigger: str, events: Iterable[CustomerEvent], payload: dict
) -> None:
    """Tells the funnels of each change, once: the change's timeline event names the
    occurrence (the same tag added again after its removal is a new one)."""
    for event in events:
        automation_event_send(
            trigger,
            customer_id=event.customer_id,
            entry_key=f"{trigger}:{event.pk}",
            payload=payload,
        )


def _tag_payload(tag: Tag) -> dict:
    return {"tag_id": tag.pk, "tag": tag.name}


def _list_payload(newsletter_list: NewsletterList, source: str) -> dict:
    return {
        "list_id": newsletter_list.pk,
        "list": newsletter_list.name,
        "source": str(source),
    }


def tag_assign(*, tag: Tag, customer_ids: Iterable[int], actor=None) -> int:
    """Puts ``tag`` on the customers; returns how many did not have it yet."""
    actor = _actor(actor)
    changed = 0
    for batch in _batches(customer_ids):
        with transaction.atomic():
            has_tag = TagLink.objects.filter(customer_id=OuterRef("pk"), tag_id=tag.pk)
            new_ids = list(
                _locked(batch).exclude(Exists(has_tag)).values_list("pk", flat=True)
            )
            TagLink.objects.bulk_create(
                [TagLink(customer_id=pk, tag_id=tag.pk) for pk in new_ids],
                ignore_conflicts=True,
            )
            events = _record(
                new_ids,
                kind=CustomerEvent.Kind.TAG_ADDED,
                detail=tag.name,
                actor=actor,
                data={"tag": tag.pk},
            )
            _triggers_send("customer.tag_added", events, _tag_payload(tag))
        changed += len(new_ids)
    return changed


def tag_unassign(*, tag: Tag, customer_ids: Iterable[int], actor=None) -> int:
    """Takes ``tag`` off the customers; returns how many had it."""
    actor = _actor(actor)
    changed = 0
    for batch in _batches(customer_ids):
        with transaction.atomic():
            has_tag = TagLink.objects.filter(customer_id=OuterRef("pk"), tag_id=tag.pk)
            tagged_ids = list(
                _locked(batch).filter(Exists(has_tag)).values_list("pk", flat=True)
            )
            TagLink.objects.filter(tag_id=tag.pk, customer_id__in=tagged_ids).delete()
            events = _record(
                tagged_ids,
                kind=CustomerEvent.Kind.TAG_REMOVED,
                detail=tag.name,
                actor=actor,
                data={"tag": tag.pk},
            )
            _triggers_send("customer.tag_removed", events, _tag_payload(tag))
        changed += len(tagged_ids)
    return changed


def newsletter_list_subscribe(
    *,
    newsletter_list: NewsletterList,
    customer_ids: Iterable[int],
    actor=None,
    source: str = Subscription.Source.STAFF,
) -> int:
    """Subscribes the customers (again, if they had left); returns how many joined."""
    if newsletter_list.archived:
        raise ValidationError(
            _("The list “%(name)s” is archived: it takes no new subscribers."),
            code="archived",
            params={"name": newsletter_list.name},
        )
    actor = _actor(actor)
    changed = 0
    for batch in _batches(customer_ids):
        with transaction.atomic():
            now = timezone.now()
            active = Subscription.objects.filter(
                customer_id=OuterRef("pk"),
                newsletter_list=newsletter_list,
                unsubscribed_at__isnull=True,
            )
            joining = list(
                _locked(batch).exclude(Exists(active)).values_list("pk", flat=True)
            )
            # Those who had left come back on their old row; the others get one.
            Subscription.objects.filter(
                newsletter_list=newsletter_list, customer_id__in=joining
            ).update(
                subscribed_at=now, unsubscribed_at=None, source=source, changed_by=actor
            )
            Subscription.objects.bulk_create(
                [
                    Subscription(
                        customer_id=pk,
                        newsletter_list=newsletter_list,
                        subscribed_at=now,
                        source=source,
                        changed_by=actor,
                    )
                    for pk in joining
                ],
                ignore_conflicts=True,
            )
            events = _record(
                joining,
                kind=CustomerEvent.Kind.SUBSCRIBED,
                detail=newsletter_list.name,
                actor=actor,
                data={"newsletter_list": newsletter_list.pk, "source": source},
            )
            _triggers_send(
                "customer.list_subscribed",
                events,
                _list_payload(newsletter_list, source),
            )
        changed += len(joining)
    return changed


def newsletter_list_unsubscribe(
    *,
    newsletter_list: NewsletterList,
    customer_ids: Iterable[int],
    actor=None,
    source: str = Subscription.Source.STAFF,
) -> int:
    """Ends the customers' subscriptions (one UPDATE); returns how many left."""
    actor = _actor(actor)
    changed = 0
    for batch in _batches(customer_ids):
        with transaction.atomic():
            active = Subscription.objects.filter(
                customer_id=OuterRef("pk"),
                newsletter_list=newsletter_list,
                unsubscribed_at__isnull=True,
            )
            leaving = list(
                _locked(batch).filter(Exists(active)).values_list("pk", flat=True)
            )
            Subscription.objects.filter(
                newsletter_list=newsletter_list,
                customer_id__in=leaving,
                unsubscribed_at__isnull=True,
            ).update(unsubscribed_at=timezone.now(), source=source, changed_by=actor)
            events = _record(
                leaving,
                kind=CustomerEvent.Kind.UNSUBSCRIBED,
                detail=newsletter_list.name,
                actor=actor,
                data={"newsletter_list": newsletter_list.pk, "source": source},
            )
            _triggers_send(
                "customer.list_unsubscribed",
                events,
                _list_payload(newsletter_list, source),
            )
        changed += len(leaving)
    return changed


@transaction.atomic
def customer_newsletter_set(
    *, customer: Customer, subscribed: bool, actor=None, source: str = ""
) -> Customer:
    """Switches the customer's global newsletter consent; a change is recorded
    (with ``source``, e.g. ``Subscription.Source.CUSTOMER``, when given)."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.newsletter_subscribed == subscribed:
        return customer
    customer.newsletter_subscribed = subscribed
    customer.save(update_fields=["newsletter_subscribed", "updated_at"])
    data: dict = {"newsletter": subscribed}
    if source:
        data["source"] = str(source)
    CustomerEvent.objects.create(
        customer=customer,
        kind=(
            CustomerEvent.Kind.SUBSCRIBED
            if subscribed
            else CustomerEvent.Kind.UNSUBSCRIBED
        ),
        detail=_("Newsletter"),
        actor=_actor(actor),
        data=data,
    )
    return customer


# Bulk actions of the customer list, by name: (function, keyword of its target).
BULK_OPERATIONS: dict[str, tuple[Callable[..., int], str]] = {
    "add_tag": (tag_assign, "tag"),
    "remove_tag": (tag_unassign, "tag"),
    "subscribe": (newsletter_list_subscribe, "newsletter_list"),
    "unsubscribe": (newsletter_list_unsubscribe, "newsletter_list"),
}


def customers_bulk_apply(
    *,
    action: str,
    target: Tag | NewsletterList,
    batches: Iterable[Sequence[int]],
    actor=None,
) -> int:
    """Applies a bulk action batch by batch (one transaction each); safe to rerun."""
    function, target_name = BULK_OPERATIONS[action]
    extra = (
        {"source": Subscription.Source.BULK} if target_name == "newsletter_list" else {}
    )
    changed = 0
    for batch in batches:
        changed += function(
            **{target_name: target}, customer_ids=batch, actor=actor, **extra
        )
    return changed


# Settings: the tags and lists themselves.


def _name_clean(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Give it a name.")}, code="required")
    return name


def _save_unique(instance, *, message: str):
    """Saves a tag or a list whose name must be unique (case-insensitively)."""
    model = type(instance)
    if (
        model.objects.filter(name__iexact=instance.name)
        .exclude(pk=instance.pk)
        .exists()
    ):
        raise ValidationError({"name": message}, code="duplicate_name")
    instance.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as error:  # the same name, saved a moment ago
        raise ValidationError({"name": message}, code="duplicate_name") from error
    return instance


@transaction.atomic
def tag_create(*, name: str, colour: str = "#2346c8") -> Tag:
    return _save_unique(
        Tag(name=_name_clean(name), colour=colour),
        message=_("A tag with this name already exists."),
    )


@transaction.atomic
def tag_update(*, tag: Tag, name: str, colour: str) -> Tag:
    """Renames or recolours a tag; customers keep it."""
    tag.name = _name_clean(name)
    tag.colour = colour
    return _save_unique(tag, message=_("A tag with this name already exists."))


@transaction.atomic
def tag_delete(*, tag: Tag) -> int:
    """Deletes a tag and takes it off every customer; returns how many had it."""
    count = TagLink.objects.filter(tag_id=tag.pk).count()
    tag.delete()
    return count


@transaction.atomic
def newsletter_list_create(*, name: str, description: str = "") -> NewsletterList:
    return _save_unique(
        NewsletterList(name=_name_clean(name), description=description.strip()),
        message=_("A list with this name already exists."),
    )


@transaction.atomic
def newsletter_list_update(
    *, newsletter_list: NewsletterList, name: str, description: str = ""
) -> NewsletterList:
    newsletter_list.name = _name_clean(name)
    newsletter_list.description = description.strip()
    return _save_unique(
        newsletter_list, message=_("A list with this name already exists.")
    )


@transaction.atomic
def newsletter_list_archive(
    *, newsletter_list: NewsletterList, archived: bool = True
) -> NewsletterList:
    """Archives a list (no new subscribers; its members stay) or restores it."""
    newsletter_list.archived = archived
    newsletter_list.save(update_fields=["archived"])
    return newsletter_list
