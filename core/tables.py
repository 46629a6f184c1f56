import django_tables2 as tables
from django_tables2.paginators import LazyPaginator

PAGE_SIZES = (25, 50, 100, 200)


class StaffTable(tables.Table):
    """The one base for every staff list: same look, same pagination."""

    class Meta:
        template_name = "staff/includes/table.html"
        attrs = {"class": "table"}
        empty_text = ""


def page_size_from(request, default: int = 25) -> int:
    """The page size the visitor picked, if it is one we offer."""
    try:
        size = int(request.GET.get("per_page", default))
    except (TypeError, ValueError):
        return default
    return size if size in PAGE_SIZES else default


def paginate(table, request, default_size: int = 25) -> None:
    """Paginates without counting the whole table: a million rows stay fast."""
    table.paginate(
        paginator_class=LazyPaginator,
        page=request.GET.get("page", 1),
        per_page=page_size_from(request, default_size),
    )
