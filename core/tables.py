from __future__ import annotations

from math import ceil
from typing import TYPE_CHECKING

import django_tables2 as tables
from django.core.paginator import EmptyPage
from django.http import Http404
from django.utils.translation import gettext as _
from django_tables2.paginators import LazyPaginator

from core.input import id_parse

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

PAGE_SIZES = (25, 50, 100, 200)
# No list here has this many pages; a larger number is past the end without asking
# the database (page 9223372036854775807 made an OFFSET beyond PostgreSQL's bigint).
MAX_PAGE = 1_000_000


class StaffTable(tables.Table):
    """The one base for every staff list: same look, same pagination."""

    class Meta:
        template_name = "staff/includes/table.html"
        attrs = {"class": "table"}
        empty_text: str | StrPromise = ""


def page_size_from(request, default: int = 25) -> int:
    """The page size the visitor picked, if it is one we offer."""
    try:
        size = int(request.GET.get("per_page", default))
    except (TypeError, ValueError):
        return default
    return size if size in PAGE_SIZES else default


def page_number_from(request) -> int:
    """The page asked for: 1 for what is not a page number ("abc", "0", "-3")."""
    return max(id_parse(request.GET.get("page", 1)) or 1, 1)


def paginate(table, request, default_size: int = 25) -> None:
    """Paginates without counting the whole table: a million rows stay fast.

    A page number that is not a number counts as the first page; a page past the end
    is a 404 (one past ``MAX_PAGE`` without asking the database).
    """
    number = page_number_from(request)
    if number > MAX_PAGE:
        raise Http404(_("There is no such page."))
    try:
        table.paginate(
            paginator_class=LazyPaginator,
            page=number,
            per_page=page_size_from(request, default_size),
        )
    except EmptyPage as error:
        raise Http404(_("There is no such page.")) from error


def lazy_page(queryset, number, per_page: int):
    """A page of ``queryset`` without counting it (for long histories).

    The page knows whether there is a next one, not how many there are; a page
    number that is not one shows the first page, one past the end the last page
    (counted then, and only then).
    """
    paginator = LazyPaginator(queryset, per_page)
    wanted = max(id_parse(number) or 1, 1)
    if wanted <= MAX_PAGE:
        try:
            return paginator.page(wanted)
        except EmptyPage:
            pass
    last = max(ceil(queryset.count() / per_page), 1)
    return paginator.page(last)
