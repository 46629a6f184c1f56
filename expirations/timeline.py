"""Expirations in the customer's timeline: created, changed, renewed, reminded,
expired, cancelled (reminders the daily job skipped are left out)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from django.urls import NoReverseMatch, reverse
from django.utils.formats import date_format
from django.utils.translation import gettext

from core import plugins
from expirations.models import ExpirationEvent
from expirations.services.jobs import offset_label

TIMELINE_LIMIT = 100

Kind = ExpirationEvent.Kind
SHOWN_KINDS = [kind for kind in Kind if kind != Kind.REMINDER_SKIPPED]


def _date(value) -> str:
    return date_format(value, "SHORT_DATE_FORMAT") if value else ""


def _offset_text(offset: int | None) -> str:
    return offset_label(offset) if offset is not None else ""


def event_title(event: ExpirationEvent) -> str:
    """One line for the timeline: what happened to which service, and the dates."""
    values = {
        "kind": event.get_kind_display(),
        "item": event.expiration.label,
        "expiry": _date(event.expiry_date),
        "previous": _date(event.previous_expiry_date),
    }
    if event.kind == Kind.RENEWED:
        return (
            gettext("%(kind)s: %(item)s, now expires %(expiry)s (was %(previous)s)")
            % values
        )
    if event.kind == Kind.REMINDER_SENT:
        return gettext("%(kind)s: %(item)s, expiry %(expiry)s (%(when)s)") % {
            **values,
            "when": _offset_text(event.offset_days),
        }
    if event.kind == Kind.EXPIRED:
        return gettext("%(kind)s: %(item)s on %(expiry)s") % values
    return gettext("%(kind)s: %(item)s, expiry %(expiry)s") % values


def _staff_tab_url(customer_id: int) -> str:
    try:
        return reverse("expirations:staff_tab", kwargs={"pk": customer_id})
    except NoReverseMatch:
        return ""


class ExpirationTimelineSource:
    """The customer's expiration events, newest first."""

    kind_choices = [(kind.value, kind.label) for kind in SHOWN_KINDS]

    def __call__(
        self,
        customer,
        since: datetime | None = None,
        until: datetime | None = None,
        kinds: Iterable[str] | None = None,
        limit: int | None = None,
    ) -> Iterator[plugins.TimelineEvent]:
        events = ExpirationEvent.objects.filter(customer=customer)
        if since is not None:
            events = events.filter(created_at__gte=since)
        if until is not None:
            events = events.filter(created_at__lt=until)
        wanted = [kind for kind in SHOWN_KINDS if not kinds or kind in set(kinds)]
        events = (
            events.filter(kind__in=wanted)
            .select_related("expiration__product")
            .order_by("-created_at", "-id")
        )
        url = _staff_tab_url(customer.pk)
        for event in events[: (limit or TIMELINE_LIMIT + 1)]:
            yield plugins.TimelineEvent(
                when=event.created_at,
                kind=event.kind,
                title=event_title(event),
                body=event.note,
                url=url,
                source="expirations",
            )


expiration_timeline_source = ExpirationTimelineSource()
