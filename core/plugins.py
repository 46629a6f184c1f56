"""Plug-in points: small, explicit registries that apps fill in ``AppConfig.ready()``.

``customers`` is the hub; ``balance``, ``expirations``, selling and ``automation``
plug into it by registering entries here, never by being imported by it. Removing
an app from ``INSTALLED_APPS`` removes its entries and leaves everything else working.

Every entry has a ``key`` (unique in its registry), an ``order`` (lower first)
and, where it shows something to staff, an optional ``permission``
("app_label.codename").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import pgettext_lazy

# Report sources live in their own module (core/reporting.py), named here too.
from core.reporting import ReportDimension as ReportDimension
from core.reporting import ReportFilter as ReportFilter
from core.reporting import ReportMeasure as ReportMeasure
from core.reporting import ReportSource as ReportSource

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django.http import HttpRequest


@dataclass(frozen=True)
class MenuGroup:
    """A drop-down of the staff navigation that gathers related links, so the top
    bar stays one row in every language. It sits where its first link would."""

    key: str
    label: Any


# The staff navigation's drop-downs, named here so that apps share them.
STAFF_MENU_SALES = MenuGroup("sales", pgettext_lazy("staff menu", "Sales"))
STAFF_MENU_CREDITS = MenuGroup("credits", pgettext_lazy("staff menu", "Credits"))
STAFF_MENU_MARKETING = MenuGroup("marketing", pgettext_lazy("staff menu", "Marketing"))
STAFF_MENU_REPORTS = MenuGroup("reports", pgettext_lazy("staff menu", "Reports"))


@dataclass(frozen=True)
class MenuEntry:
    """A link in the staff navigation or the customer-area menu.

    ``shown``, if given, decides per request whether the link appears (a section a
    module's settings can switch off). ``group`` puts a staff link in a drop-down;
    a group with one visible link shows as that link.
    """

    key: str
    label: Any
    url_name: str
    permission: str | None = None
    order: int = 100
    shown: Callable[[HttpRequest], bool] | None = None
    group: MenuGroup | None = None


@dataclass(frozen=True)
class DashboardWidget:
    """A box on the staff dashboard: a template and the context it needs.

    ``get_context`` may return ``None``: the box has nothing to say now and is
    left out (e.g. the funnel scheduler on a site with no active funnel).
    """

    key: str
    title: Any
    template_name: str
    get_context: Callable[[HttpRequest], dict | None]
    permission: str | None = None
    order: int = 100
    wide: bool = False


@dataclass(frozen=True)
class AccountHomePanel:
    """A box on the customer area's home page, for the logged-in customer.

    ``get_context(request)`` returns the template's context, or ``None`` when the
    panel has nothing to show this customer (then it is left out).
    """

    key: str
    template_name: str
    get_context: Callable[[HttpRequest], dict | None]
    order: int = 100


@dataclass(frozen=True)
class CustomerTab:
    """A tab of the staff customer card; ``url_name`` takes the customer's ``pk``."""

    key: str
    label: Any
    url_name: str
    permission: str | None = None
    order: int = 100


@dataclass(frozen=True)
class SidebarFigure:
    """A figure in the customer card's sidebar, computed for one customer."""

    key: str
    label: Any
    value: Callable[[Any], Any]
    permission: str | None = None
    order: int = 100


@dataclass(frozen=True)
class CustomerColumn:
    """A column of the staff customer list.

    ``make_column`` builds the django-tables2 column; ``annotate`` adds what it shows to
    the list's queryset in the same query (so the page stays free of N+1 queries).
    """

    key: str
    make_column: Callable[[], Any]
    annotate: Callable[[QuerySet], QuerySet] | None = None
    permission: str | None = None
    order: int = 100


@dataclass(frozen=True)
class CustomerFilter:
    """A filter of the staff customer list (a django-filter ``Filter``)."""

    key: str
    make_filter: Callable[[], Any]
    permission: str | None = None
    order: int = 100


@dataclass(frozen=True)
class CustomerBulkAction:
    """An action another app adds to the customer list's bulk form.

    ``make_field()`` builds the form field that picks its target (e.g. a funnel),
    named ``field_name`` in the bulk form; when the action is chosen without a
    target, the field's "required" message is shown. ``apply(*, customers, target,
    actor, progress)`` does it to a queryset of customers (those ticked, or all
    those matching the list's filters: in the background when there are many) and
    returns how many it changed; ``progress(done, total)``, when not ``None``, is
    told as it goes. A rule break raises ``ValidationError`` (nothing changed).
    ``done_message(target, count)`` is what staff read afterwards.
    """

    key: str
    label: Any
    field_name: str
    make_field: Callable[[], Any]
    apply: Callable[..., int]
    done_message: Callable[[Any, int], str]
    permission: str | None = None
    order: int = 100


@dataclass(frozen=True)
class CustomerListQuery:
    """The customers the staff list's filters select, from its query string.

    ``customers(query_string, user=None)`` returns a queryset of customers, or
    raises ``ValidationError`` with the filters' messages (an unknown filter
    included). Registered by ``customers`` (key ``"list_filters"``), so that a
    command of another app can take "the customers the list shows for these
    filters" without importing the list.
    """

    key: str
    customers: Callable[..., QuerySet]
    order: int = 100


@dataclass(frozen=True)
class CustomerCardPage:
    """What another app needs to draw a page of the staff customer card.

    ``context(request, customer, active_tab)`` gives the card's context (the
    customer, its tabs, its sidebar and the title) for a template extending
    ``template_name`` (``"customers/card_base.html"``). Registered by ``customers``
    (key ``"card"``).
    """

    key: str
    context: Callable[..., dict]
    template_name: str
    order: int = 100


@dataclass(frozen=True)
class TimelineEvent:
    """One thing that happened with a customer, as the timeline shows it."""

    when: datetime
    kind: str
    title: Any
    body: str = ""
    url: str = ""
    source: str = ""


@dataclass(frozen=True)
class TimelineSource:
    """Yields a customer's events of one kind between two moments (or open-ended)."""

    key: str
    label: Any
    # (customer, since, until); a source with ``kind_choices`` also takes kinds=, limit=
    events: Callable[..., Iterable[TimelineEvent]]
    permission: str | None = None
    order: int = 100


@dataclass(frozen=True)
class AutomationContext:
    """What a funnel step knows when it runs an action, tests or fills a text.

    ``payload`` is the enrolling event's payload (JSON-safe, e.g.
    ``{"expiration_id": 7, "expiry_date": "2026-12-01"}``); ``run_id`` and
    ``step_visit_id`` identify the funnel run and the step visit (0 in a
    simulation); ``simulate`` is true when nothing may change; ``is_test`` marks a
    staff test enrolment.
    """

    run_id: int = 0
    step_visit_id: int = 0
    payload: dict[str, Any] = field(default_factory=dict)
    now: datetime | None = None
    simulate: bool = False
    is_test: bool = False


class AutomationActionRefused(Exception):
    """An action could not be done (e.g. a debit the balance cannot cover).

    The funnel step is marked failed with ``str(exception)`` as its message, shown
    to staff under "Needs attention"; the engine retries it with backoff.
    """


class AutomationActionSkipped(Exception):
    """An action was deliberately not done (e.g. no newsletter consent).

    The step is recorded as skipped with ``str(exception)`` as the reason, and the
    run goes on; it is never retried.
    """


@dataclass(frozen=True)
class TriggerHit:
    """One customer a time-based trigger found: enrol them under ``entry_key``."""

    customer_id: int
    entry_key: str
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AutomationTrigger:
    """Something that can start a funnel, known by name (e.g. "expiration.expired").

    An event trigger is fired by its app with
    ``core.automation_events.automation_event_send``.
    ``form_class`` checks the funnel's trigger parameters (which tag, which product);
    ``matches(params, payload)`` says whether an event fits a funnel's parameters
    (``None``: every event does). A time-based trigger ("N days before the expiry")
    gives ``scan(params, now)``, an iterable of ``TriggerHit`` that the funnel tick
    enrols (the entry key makes a second scan enrol nobody twice).
    """

    key: str
    label: Any
    description: Any = ""
    form_class: Any = None
    matches: Callable[[dict[str, Any], dict[str, Any]], bool] | None = None
    scan: Callable[[dict[str, Any], datetime], Iterable[TriggerHit]] | None = None
    order: int = 100


@dataclass(frozen=True)
class AutomationAction:
    """Something a funnel step can do, known by name (e.g. "balance.assign_credits").

    ``run(customer, params, *, idempotency_key, context)`` performs it inside the
    engine's transaction and returns a short text saying what it did; it raises
    ``AutomationActionRefused`` or ``AutomationActionSkipped``. Called twice with the
    same idempotency key it does the thing once. ``describe(customer, params,
    context)``, if given, says what it would do, changing nothing (the simulator).
    ``form_class`` checks its parameters in the funnel editor. ``too_late_after`` is
    the default lateness past which an overdue step is skipped, not run (``None``:
    never too late). ``marketing``: needs the customer's consent.
    """

    key: str
    label: Any
    run: Callable[..., Any]
    form_class: Any = None
    describe: Callable[..., str] | None = None
    too_late_after: timedelta | None = None
    marketing: bool = False
    order: int = 100


@dataclass(frozen=True)
class AutomationCondition:
    """A yes/no question an if/else step asks of a customer (e.g. "has tag").

    ``test(customer, params, context)`` answers it; ``form_class`` checks its
    parameters. Registered by the app that owns the data.
    """

    key: str
    label: Any
    test: Callable[..., bool]
    form_class: Any = None
    order: int = 100


@dataclass(frozen=True)
class AutomationShortcode:
    """A ``{name}`` an automation text may hold (e-mail subject and body, notes).

    ``value(customer, context)`` gives its text for the customer, in the active
    language; an app owning the data registers it (``{balance}``: balance).
    """

    key: str
    label: Any
    value: Callable[..., str]
    order: int = 100


@dataclass(frozen=True)
class NewsletterConsent:
    """The customers' marketing consent, as the funnels' e-mails need it.

    ``consents(customer, newsletter_list_id)`` says whether the customer accepts
    the list's e-mails (``None``: the newsletter's); ``unsubscribe(customer,
    newsletter_list_id)`` is the customer's own "no more of these" from a link in
    such an e-mail: done by the hub's services (a change on the card's timeline,
    by the customer), it returns whether anything changed (the second time:
    nothing). ``list_choices()`` gives the lists as (id, name) and ``list_name(id)``
    one list's name ("" when it is gone). Registered by ``customers`` (key
    ``"newsletter"``).
    """

    key: str
    consents: Callable[[Any, int | None], bool]
    unsubscribe: Callable[[Any, int | None], bool]
    list_choices: Callable[[], list[tuple[int, str]]]
    list_name: Callable[[int], str]
    order: int = 100


@dataclass(frozen=True)
class RolePermissions:
    """Permissions an app grants to a built-in group ("Staff" or "Manager")."""

    key: str
    group: str
    permissions: tuple[str, ...] = field(default_factory=tuple)
    order: int = 100


@dataclass(frozen=True)
class DemoSeeder:
    """A module's demo data, added by ``manage.py seed_demo`` after the customers.

    ``seed(customers, *, seed, log)`` receives the demo customers (a queryset), the
    random seed and a function printing a line of progress. Running it again must add
    only what is missing.
    """

    key: str
    seed: Callable[..., Any]
    order: int = 100


@dataclass(frozen=True)
class LanguageChoice:
    """Told when a logged-in person picks a language with the switcher.

    ``remember(request, language)`` saves it where the app keeps the person's
    preferred language (core saves a staff member's itself).
    """

    key: str
    remember: Callable[[HttpRequest, str], None]
    order: int = 100


@dataclass(frozen=True)
class VisitorAttribution:
    """Told, with the request, when a visitor becomes a customer or a customer is
    about to place an order, so an app can read what the request carries (a
    referral link's cookie) and record where the customer came from.

    ``attribute(request, customer, moment)``: ``moment`` is ``"signup"`` (called
    by the sign-up once the customer exists) or ``"order"`` (called by the checkout
    just before the order is placed). It runs in its own transaction, must not
    raise for what the visitor sent, and changes nothing the caller relies on.
    """

    key: str
    attribute: Callable[[HttpRequest, Any, str], None]
    order: int = 100


T = TypeVar("T")


class Registry(Generic[T]):
    """An ordered set of entries, each with a unique ``key``."""

    def __init__(self, name: str):
        self.name = name
        self._entries: dict[str, T] = {}

    def register(self, entry: T) -> T:
        key = entry.key  # type: ignore[attr-defined]
        existing = self._entries.get(key)
        if existing is not None and existing != entry:
            raise ImproperlyConfigured(
                f"{self.name}: the key {key!r} is registered twice."
            )
        self._entries[key] = entry
        return entry

    def unregister(self, key: str) -> None:
        self._entries.pop(key, None)

    def get(self, key: str) -> T | None:
        return self._entries.get(key)

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    def __iter__(self) -> Iterator[T]:
        return iter(
            sorted(self._entries.values(), key=lambda e: (e.order, e.key))  # type: ignore[attr-defined]
        )

    def __len__(self) -> int:
        return len(self._entries)

    def visible_to(self, user) -> list[T]:
        """The entries whose permission (if any; a tuple: all of them) the user has."""
        return [entry for entry in self if _permitted(user, entry)]


def _permitted(user, entry) -> bool:
    permission = getattr(entry, "permission", None)
    if not permission:
        return True
    if isinstance(permission, str):
        return user.has_perm(permission)
    return user.has_perms(permission)


staff_menu: Registry[MenuEntry] = Registry("staff menu")
account_menu: Registry[MenuEntry] = Registry("customer-area menu")
dashboard_widgets: Registry[DashboardWidget] = Registry("dashboard widgets")
account_home_panels: Registry[AccountHomePanel] = Registry("customer-area home panels")
customer_tabs: Registry[CustomerTab] = Registry("customer card tabs")
customer_sidebar: Registry[SidebarFigure] = Registry("customer card sidebar")
customer_columns: Registry[CustomerColumn] = Registry("customer list columns")
customer_filters: Registry[CustomerFilter] = Registry("customer list filters")
timeline_sources: Registry[TimelineSource] = Registry("customer timeline sources")
customer_bulk_actions: Registry[CustomerBulkAction] = Registry(
    "customer list bulk actions"
)
customer_list_queries: Registry[CustomerListQuery] = Registry("customer list queries")
customer_card_pages: Registry[CustomerCardPage] = Registry("customer card pages")
automation_triggers: Registry[AutomationTrigger] = Registry("automation triggers")
automation_actions: Registry[AutomationAction] = Registry("automation actions")
automation_conditions: Registry[AutomationCondition] = Registry("automation conditions")
automation_shortcodes: Registry[AutomationShortcode] = Registry("automation shortcodes")
newsletter_consents: Registry[NewsletterConsent] = Registry("newsletter consent")
role_permissions: Registry[RolePermissions] = Registry("role permissions")
# Pages of the backoffice's Settings section (/staff/settings/ lists them).
settings_pages: Registry[MenuEntry] = Registry("settings pages")
demo_seeders: Registry[DemoSeeder] = Registry("demo data seeders")
language_choices: Registry[LanguageChoice] = Registry("language switcher choices")
# Data sources of the reports engine ("balance.movements"), by the apps owning them.
report_sources: Registry[ReportSource] = Registry("report sources")
visitor_attributions: Registry[VisitorAttribution] = Registry("visitor attributions")

ALL_REGISTRIES = (
    staff_menu,
    account_menu,
    dashboard_widgets,
    account_home_panels,
    customer_tabs,
    customer_sidebar,
    customer_columns,
    customer_filters,
    timeline_sources,
    customer_bulk_actions,
    customer_list_queries,
    customer_card_pages,
    automation_triggers,
    automation_actions,
    automation_conditions,
    automation_shortcodes,
    newsletter_consents,
    role_permissions,
    settings_pages,
    demo_seeders,
    language_choices,
    report_sources,
    visitor_attributions,
)


def visitor_attribute(request: HttpRequest, customer: Any, moment: str) -> None:
    """Tells every ``visitor_attributions`` entry (see there) about ``customer``."""
    for entry in visitor_attributions:
        entry.attribute(request, customer, moment)


def only_entry(registry: Registry[T]) -> T | None:
    """The entry of a registry that holds one at most (a hook such as
    ``customer_list_queries``), or ``None`` when its app is not installed."""
    return next(iter(registry), None)
