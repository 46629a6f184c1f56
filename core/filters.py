"""The one filter form layout of the staff lists: the common filters shown, the rest
folded under "More filters".

A filter set names the filters it shows with ``primary_filters``; the others (its own
and those other apps register) are folded, and unfolded when one of them is in use
or has an error, so a filter that narrows the list is never out of sight. A filter
set without ``primary_filters`` shows them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.forms import BoundField


@dataclass(frozen=True)
class FilterGroups:
    shown: list[BoundField]
    folded: list[BoundField] = field(default_factory=list)
    # Folded filters with a value in the request (the count "More filters" shows).
    folded_in_use: int = 0
    folded_invalid: bool = False

    @property
    def open(self) -> bool:
        """Unfolded by the server: a folded filter is in use or needs correcting."""
        return self.folded_in_use > 0 or self.folded_invalid


def _in_use(bound_field: BoundField) -> bool:
    value = bound_field.data
    if isinstance(value, list | tuple):
        return any(str(item).strip() for item in value)
    return value is not None and str(value).strip() != ""


def filter_groups(filterset) -> FilterGroups:
    """The visible fields of ``filterset``'s form, split into shown and folded."""
    fields = list(filterset.form.visible_fields())
    primary = getattr(filterset, "primary_filters", None)
    if primary is None:
        return FilterGroups(shown=fields)
    shown = [bound for bound in fields if bound.name in primary]
    folded = [bound for bound in fields if bound.name not in primary]
    return FilterGroups(
        shown=shown,
        folded=folded,
        folded_in_use=sum(1 for bound in folded if _in_use(bound)),
        folded_invalid=any(bound.errors for bound in folded),
    )
