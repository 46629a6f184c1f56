"""What the customer list page needs for its bulk-action form.

Kept apart from ``customers.views.bulk`` so that the list view can use it without an
import cycle (the bulk view extends the list view).
"""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib.humanize.templatetags.humanize import intcomma
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from customers.forms.list import BulkActionForm, bulk_actions_for

COUNT_CAP = 10_000


def capped_count(queryset: QuerySet, cap: int | None = None) -> tuple[int, bool]:
    """How many rows match, counting no further than ``cap``: (count, more).

    One ``SELECT COUNT(*) FROM (... LIMIT cap + 1)``: it stops at the cap, however
    many customers match.
    """
    cap = COUNT_CAP if cap is None else cap
    found = queryset.prefetch_related(None).order_by().values("pk")[: cap + 1].count()
    return min(found, cap), found > cap


def matching_label(count: int, more: bool) -> str:
    if more:
        return _("All customers matching the filters (more than %(count)s)") % {
            "count": intcomma(count)
        }
    return ngettext(
        "The %(count)s customer matching the filters",
        "All %(count)s customers matching the filters",
        count,
    ) % {"count": intcomma(count)}


def bulk_context(request, filterset, bulk_form: BulkActionForm | None) -> dict:
    """What the list page needs for its bulk form (nothing if the user has none)."""
    user = request.user
    if not bulk_actions_for(user):
        return {"bulk_form": None}
    if bulk_form is None:
        bulk_form = BulkActionForm(user=user)
    if filterset.is_valid():
        count, more = capped_count(filterset.qs)
    else:
        count, more = 0, False
    scope_field = cast(forms.ChoiceField, bulk_form.fields["scope"])
    scope_field.choices = [
        (BulkActionForm.SCOPE_SELECTED, _("The customers ticked below")),
        (BulkActionForm.SCOPE_ALL, matching_label(count, more)),
    ]
    return {
        "bulk_form": bulk_form,
        "matching_count": count,
        "matching_more": more,
        "query_string": request.GET.urlencode(),
    }


def add_service_error(form, error) -> None:
    """Shows a service's ValidationError on the form: next to the fields it names
    when the form has them, above the form otherwise (never a crash)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
