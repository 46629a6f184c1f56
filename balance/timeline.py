"""The ledger's entries in the customer's timeline."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _lazy

from balance.models import Entry, PayoutDetailsAccess, PayoutDetailsChange
from core import plugins
from core.money import money_format

TIMELINE_LIMIT = 100


def _newest_in_window(queryset, since, until, limit):
    """``queryset``'s rows created in ``[since, until)``, newest first, at most
    ``limit`` (one more than the timeline shows when not given)."""
    if since is not None:
        queryset = queryset.filter(created_at__gte=since)
    if until is not None:
        queryset = queryset.filter(created_at__lt=until)
    return queryset.order_by("-created_at", "-id")[: (limit or TIMELINE_LIMIT + 1)]


class EntryTimelineSource:
    """Every ledger entry, newest first; a reversed entry says so in its title."""

    kind_choices = Entry.Kind.choices

    def __call__(
        self,
        customer,
        since: datetime | None = None,
        until: datetime | None = None,
        kinds: Iterable[str] | None = None,
        limit: int | None = None,
    ) -> Iterator[plugins.TimelineEvent]:
        entries = Entry.objects.filter(customer=customer)
        if kinds:
            entries = entries.filter(kind__in=list(kinds))
        entries = entries.select_related("reversed_by")
        for entry in _newest_in_window(entries, since, until, limit):
            yield plugins.TimelineEvent(
                when=entry.created_at,
                kind=entry.kind,
                title=_entry_title(entry),
                body=entry.note,
                source="balance",
            )


def _entry_title(entry: Entry) -> str:
    title = gettext("%(kind)s: %(amount)s (balance %(balance)s)") % {
        "kind": entry.get_kind_display(),
        "amount": money_format(entry.amount),
        "balance": money_format(entry.balance_after),
    }
    if getattr(entry, "reversed_by", None) is not None:
        title = gettext("%(title)s, deleted") % {"title": title}
    return title


entry_timeline_source = EntryTimelineSource()


PAYOUT_CHANGED = "payout_details_changed"


class PayoutChangeTimelineSource:
    """Every change of the payout details: what changed (masked), by whom."""

    kind_choices = [(PAYOUT_CHANGED, _lazy("Payout details changed"))]

    def __call__(
        self,
        customer,
        since: datetime | None = None,
        until: datetime | None = None,
        kinds: Iterable[str] | None = None,
        limit: int | None = None,
    ) -> Iterator[plugins.TimelineEvent]:
        from balance.services.payout import payout_change_lines

        if kinds and PAYOUT_CHANGED not in kinds:
            return
        changes = PayoutDetailsChange.objects.filter(customer=customer)
        for change in _newest_in_window(changes, since, until, limit):
            title = gettext("Payout details changed: %(fields)s") % {
                "fields": ", ".join(change.field_labels())
            }
            if change.actor_label:
                title = gettext("%(title)s (by %(who)s)") % {
                    "title": title,
                    "who": change.actor_label,
                }
            body = "\n".join(payout_change_lines(change))
            if change.notified_to:
                body += "\n" + gettext("E-mailed to %(addresses)s") % {
                    "addresses": ", ".join(change.notified_to)
                }
            yield plugins.TimelineEvent(
                when=change.created_at,
                kind=PAYOUT_CHANGED,
                title=title,
                body=body,
                source="payout_changes",
            )


payout_change_timeline_source = PayoutChangeTimelineSource()


PAYOUT_VIEWED = "payout_details_viewed"


class PayoutAccessTimelineSource:
    """Every time someone on staff was shown the payout details unmasked."""

    kind_choices = [(PAYOUT_VIEWED, _lazy("Payout details seen unmasked"))]

    def __call__(
        self,
        customer,
        since: datetime | None = None,
        until: datetime | None = None,
        kinds: Iterable[str] | None = None,
        limit: int | None = None,
    ) -> Iterator[plugins.TimelineEvent]:
        if kinds and PAYOUT_VIEWED not in kinds:
            return
        accesses = PayoutDetailsAccess.objects.filter(customer=customer)
        for access in _newest_in_window(accesses, since, until, limit):
            yield plugins.TimelineEvent(
                when=access.created_at,
                kind=PAYOUT_VIEWED,
                title=gettext("Payout details seen unmasked by %(who)s on %(page)s")
                % {
                    "who": access.viewer_label or gettext("a deleted user"),
                    "page": access.get_page_display(),
                },
                source="payout_accesses",
            )


payout_access_timeline_source = PayoutAccessTimelineSource()
