"""The backoffice's and the customer area's plug-in entries: menus, dashboard
widgets, the customer card's tabs and sidebar, the customer list's columns,
filters, bulk actions and queries, the timeline."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils.translation import pgettext_lazy

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
# The customer area's drop-down of the customer's own details.
ACCOUNT_MENU_PROFILE = MenuGroup(
    "profile", pgettext_lazy("customer area menu", "My profile")
)


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
