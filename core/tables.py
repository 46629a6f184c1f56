from __future__ import annotations

from typing import TYPE_CHECKING

import django_tables2 as tables
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.http import Http404
from django.utils.translation import gettext as _
from django_tables2.paginators import LazyPaginator

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

PAGE_SIZES = (25, 50, 100, 200)


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
    try:
        number = int(request.GET.get("page", 1))
    except (TypeError, ValueError):
        return 1
    return max(number, 1)


def paginate(table, request, default_size: int = 25) -> None:
    """Paginates without counting the whole table: a million rows stay fast.

    A page number that is not a number counts as the first page; a page past the end
    is a 404.
    """
    try:
        table.paginate(
            paginator_class=LazyPaginator,
            page=page_number_from(request),
            per_page=page_size_from(request, default_size),
        )
    except EmptyPage as error:
        raise Http404(_("There is no such page.")) from error


def lazy_page(queryset, number, per_page: int):
    """A page of ``queryset`` without counting it (for long histories).

    The page knows whether there is a next one, not how many there are; a page
    number that is not one shows the first page.
    """
    paginator = LazyPaginator(queryset, per_page)
    try:
        return paginator.page(number or 1)
    except (PageNotAnInteger, EmptyPage):
        return paginator.page(1)
