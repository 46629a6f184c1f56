"""Who referred the customer, in their timeline: recorded, changed, removed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from django.urls import reverse
from django.utils.translation import gettext

from core import plugins
from referrals.models import ReferralEvent

TIMELINE_LIMIT = 100


def event_title(event: ReferralEvent) -> str:
    values = {
        "kind": event.get_kind_display(),
        "referrer": str(event.referrer or ""),
        "previous": str(event.previous_referrer or ""),
    }
    if event.kind == ReferralEvent.Kind.CHANGED:
        return gettext("%(kind)s: %(referrer)s (was %(previous)s)") % values
    if event.kind == ReferralEvent.Kind.REMOVED:
        return gettext("%(kind)s: was %(previous)s") % values
    return gettext("%(kind)s: referred by %(referrer)s") % values


class ReferralTimelineSource:
    """The changes of who referred the customer, newest first."""

    kind_choices = list(ReferralEvent.Kind.choices)

    def __call__(
        self,
        customer,
        since: datetime | None = None,
        until: datetime | None = None,
        kinds: Iterable[str] | None = None,
        limit: int | None = None,
    ) -> Iterator[plugins.TimelineEvent]:
        events = ReferralEvent.objects.filter(referral__referred=customer)
        if since is not None:
            events = events.filter(created_at__gte=since)
        if until is not None:
            events = events.filter(created_at__lt=until)
        if kinds:
            events = events.filter(kind__in=list(kinds))
        events = events.select_related("referrer", "previous_referrer").order_by(
            "-created_at", "-id"
        )
        url = reverse("referrals:staff_tab", kwargs={"pk": customer.pk})
        for event in events[: (limit or TIMELINE_LIMIT + 1)]:
            yield plugins.TimelineEvent(
                when=event.created_at,
                kind=event.kind,
                title=event_title(event),
                body=event.actor_label,
                url=url,
                source="referrals",
            )


referral_timeline_source = ReferralTimelineSource()
