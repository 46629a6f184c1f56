"""The Action history: the customers app's timeline sources and the merged timeline.

Every source is asked for one customer's events between two moments (``since``
inclusive, ``until`` exclusive, either may be open), newest first. The customers app's
own sources query with those bounds and a cap on an index (customer, created_at), so a
page stays fast however long the history; they also accept ``kinds`` to filter by
type in the database (a source that does not is filtered after the fact).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from core import plugins
from core.devices import device_describe
from customers.models import (
    Customer,
    CustomerAction,
    CustomerEvent,
    PushDevice,
    Subscription,
    SupportRequest,
)

TIMELINE_LIMIT = 100


@dataclass(frozen=True)
class CardTimelineEvent(plugins.TimelineEvent):
    """A timeline event the customers app draws with its own template."""

    type_label: Any = ""
    actor: str = ""
    template_name: str = ""
    obj: Any = None


def _bounded(
    queryset: QuerySet,
    since: datetime | None,
    until: datetime | None,
    kinds: Iterable[str] | None,
    field: str = "kind",
) -> QuerySet:
    if since is not None:
        queryset = queryset.filter(created_at__gte=since)
    if until is not None:
        queryset = queryset.filter(created_at__lt=until)
    if kinds:
        queryset = queryset.filter(**{f"{field}__in": list(kinds)})
    return queryset.order_by("-created_at", "-id")


def _actor_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.email


def _event_actor(event: CustomerEvent) -> str:
    """Who did it; "Ana (staff) as the customer" for staff logged in as them, "the
    customer" for their own change without a login (an e-mail's unsubscribe link)."""
    name = _actor_name(event.actor)
    data = event.data or {}
    if name and data.get("as_customer"):
        return gettext("%(name)s (staff) as the customer") % {"name": name}
    if not name and data.get("source") == Subscription.Source.CUSTOMER:
        return gettext("The customer")
    return name


def _event_body(event: CustomerEvent) -> str:
    # A login records the browser's User-Agent header: name the device instead.
    if event.kind == CustomerEvent.Kind.LOGGED_IN:
        return device_describe(event.detail)
    return event.detail


class CustomerEventSource:
    """Registration, logins, login changes, impersonation, marketing changes..."""

    kind_choices = CustomerEvent.Kind.choices

    def __call__(self, customer, since=None, until=None, kinds=None, limit=None):
        queryset = _bounded(
            CustomerEvent.objects.filter(customer=customer).select_related("actor"),
            since,
            until,
            kinds,
        )
        for event in queryset[: (limit or TIMELINE_LIMIT + 1)]:
            yield CardTimelineEvent(
                when=event.created_at,
                kind=event.kind,
                title=event.title,
                body=_event_body(event),
                source="events",
                type_label=event.get_kind_display(),
                actor=_event_actor(event),
            )


def action_event(action: CustomerAction) -> CardTimelineEvent:
    return CardTimelineEvent(
        when=action.created_at,
        kind=action.kind,
        title=action.title,
        # Sanitised with nh3 when it was saved (customers.services.history).
        body=mark_safe(action.note),  # noqa: S308
        source="actions",
        type_label=action.get_kind_display(),
        actor=_actor_name(action.created_by),
        template_name="customers/history_action.html",
        obj=action,
    )


class CustomerActionSource:
    """Custom actions staff added: calls, meetings, notes, tasks..."""

    kind_choices = CustomerAction.Kind.choices

    def __call__(self, customer, since=None, until=None, kinds=None, limit=None):
        queryset = _bounded(
            CustomerAction.objects.filter(customer=customer)
            .select_related("created_by")
            .prefetch_related("attachments"),
            since,
            until,
            kinds,
        )
        for action in queryset[: (limit or TIMELINE_LIMIT + 1)]:
            yield action_event(action)


def support_event(support_request: SupportRequest) -> CardTimelineEvent:
    return CardTimelineEvent(
        when=support_request.created_at,
        kind=support_request.status,
        title=support_request.subject,
        body=support_request.message,
        source="support",
        type_label=_("Support request"),
        template_name="customers/history_support.html",
        obj=support_request,
    )


class SupportRequestSource:
    """Messages the customer sent through the contact form, open or closed."""

    kind_choices = SupportRequest.Status.choices

    def __call__(self, customer, since=None, until=None, kinds=None, limit=None):
        queryset = _bounded(
            SupportRequest.objects.filter(customer=customer),
            since,
            until,
            kinds,
            field="status",
        )
        for support_request in queryset[: (limit or TIMELINE_LIMIT + 1)]:
            yield support_event(support_request)


customer_event_source = CustomerEventSource()
customer_action_source = CustomerActionSource()
support_request_source = SupportRequestSource()


@dataclass(frozen=True)
class TimelinePage:
    events: list
    # Pass as ``until`` to see the next, older, page; None when this is the last.
    older_until: datetime | None


def timeline_type_choices(user) -> list:
    """The timeline's type filter: each source, then each of its kinds."""
    choices: list = [("", _("All types"))]
    for source in plugins.timeline_sources.visible_to(user):
        kind_choices = getattr(source.events, "kind_choices", None)
        if kind_choices:
            group = [(source.key, _("All"))]
            group += [(f"{source.key}:{value}", label) for value, label in kind_choices]
            choices.append((source.label, group))
        else:
            choices.append((source.key, source.label))
    return choices


def customer_timeline(
    *,
    user,
    customer: Customer,
    since: datetime | None = None,
    until: datetime | None = None,
    type_filter: str = "",
    limit: int | None = None,
) -> TimelinePage:
    """One customer's events from every source the user may see, newest first.

    ``type_filter`` is a source key ("events") or a source key and a kind
    ("events:logged_in"). At most ``limit`` events; ``older_until`` pages on.
    """
    limit = limit or TIMELINE_LIMIT
    source_key, _sep, kind = (type_filter or "").partition(":")
    kinds = [kind] if kind else None
    collected: list[plugins.TimelineEvent] = []
    for source in plugins.timeline_sources.visible_to(user):
        if source_key and source.key != source_key:
            continue
        labelled = getattr(source.events, "kind_choices", None) is not None
        if labelled:
            events = source.events(customer, since, until, kinds=kinds, limit=limit + 1)
        else:
            events = source.events(customer, since, until)
            if kinds:
                events = (event for event in events if event.kind in kinds)
        for event in events:
            if not getattr(event, "type_label", ""):
                event = CardTimelineEvent(
                    when=event.when,
                    kind=event.kind,
                    title=event.title,
                    body=event.body,
                    url=event.url,
                    source=event.source or source.key,
                    type_label=source.label,
                )
            collected.append(event)
    collected.sort(key=lambda event: event.when, reverse=True)
    page = collected[:limit]
    older_until = page[-1].when if len(collected) > limit else None
    return TimelinePage(events=page, older_until=older_until)


# --- Sidebar figures ---


def support_requests_figure(customer: Customer) -> str:
    counts = customer.support_requests.aggregate(
        total=Count("id"), open=Count("id", filter=Q(status=SupportRequest.Status.OPEN))
    )
    if not counts["total"]:
        return "0"
    return (
        ngettext(
            "%(total)d (%(open)d open)", "%(total)d (%(open)d open)", counts["open"]
        )
        % counts
    )


def push_devices_figure(customer: Customer) -> str:
    devices = list(
        PushDevice.objects.filter(customer=customer).only("name", "platform")
    )
    if not devices:
        return "0"
    url = reverse("customers:push_devices", kwargs={"pk": customer.pk})
    names = format_html_join(", ", "{}", ((str(device),) for device in devices))
    return format_html(
        '{} <span class="muted">({})</span> <a href="{}">{}</a>',
        len(devices),
        names,
        url,
        gettext("Manage"),
    )
