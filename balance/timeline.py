"""The ledger's entries in the customer's timeline."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from django.utils.translation import gettext

from balance.models import Entry
from core import plugins
from core.money import money_format

TIMELINE_LIMIT = 100


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
        if since is not None:
            entries = entries.filter(created_at__gte=since)
        if until is not None:
            entries = entries.filter(created_at__lt=until)
        if kinds:
            entries = entries.filter(kind__in=list(kinds))
        entries = entries.select_related("reversed_by").order_by("-created_at", "-id")
        for entry in entries[: (limit or TIMELINE_LIMIT + 1)]:
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
