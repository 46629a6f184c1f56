"""The report page's forms: the report's choices (checked by the engine's
``report_query_build``) and a saved report's name and visibility."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.reporting import PERIOD, ReportSource
from reports.models import SavedReport
from reports.query import ReportQuery, ReportQueryError, report_query_build

PRESET_LABELS = {
    "this_month": _("This month"),
    "last_month": _("Last month"),
    "last_30_days": _("Last 30 days"),
    "this_year": _("This year"),
    "last_year": _("Last year"),
}
CHART_BAR = "bar"
CHART_LINE = "line"
# Top N is for reading: a few dozen values; the engine caps the rows anyway.
TOP_MAX = 1_000
FILTER_TEXT_MAX = 200
FILTER_PREFIX = "filter_"

# The engine names the part of a request at fault; the form field it belongs to.
ERROR_FIELDS = {
    "measures": "measures",
    "from": "date_from",
    "to": "date_to",
    "period": "period",
    "sort": "sort",
    "top": "top",
}


def default_rows(source: ReportSource) -> str:
    """The rows a new report starts with: months if the source has them."""
    keys = [d.key for d in source.dimensions]
    return "month" if "month" in keys else keys[0]


class ReportForm(forms.Form):
    """One report of ``source``: rows (and columns) dimensions, measures, dates
    or a preset, the source's filters, sort, top N and the chart's kind.

    Valid, ``cleaned_data["query"]`` is the engine's ``ReportQuery``; the
    engine's refusals are shown on the field they concern.
    """

    rows = forms.ChoiceField(label=_("Rows"))
    columns = forms.ChoiceField(
        label=pgettext_lazy("report pivot", "Columns"), required=False
    )
    measures = forms.MultipleChoiceField(
        label=_("Measures"), required=False, widget=forms.CheckboxSelectMultiple
    )
    period = forms.ChoiceField(label=_("Period"), required=False)
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("First day included."),
    )
    date_to = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("First day left out."),
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False)
    top = forms.IntegerField(
        label=_("Top N"),
        required=False,
        min_value=1,
        max_value=TOP_MAX,
        help_text=_("Keep the N largest values; the rest are added up as “others”."),
    )
    chart = forms.ChoiceField(
        label=_("Chart"),
        required=False,
        choices=[
            (CHART_BAR, pgettext_lazy("chart kind", "Bars")),
            (CHART_LINE, pgettext_lazy("chart kind", "Lines")),
        ],
    )
    chart_measure = forms.ChoiceField(
        label=_("Chart's measure"),
        required=False,
        help_text=_(
            "With columns, the chart draws one measure, stacked by the columns: "
            "the first one unless you pick another."
        ),
    )

    def __init__(self, *args, source: ReportSource, **kwargs):
        super().__init__(*args, **kwargs)
        self.source = source
        dimensions = [(d.key, d.label) for d in source.dimensions]
        self.fields["rows"].choices = dimensions  # type: ignore[attr-defined]
        self.fields["columns"].choices = [  # type: ignore[attr-defined]
            ("", pgettext_lazy("report pivot", "(none)")),
            *dimensions,
        ]
        self.fields["measures"].choices = [  # type: ignore[attr-defined]
            (m.key, m.label) for m in source.measures
        ]
        self.fields["chart_measure"].choices = [  # type: ignore[attr-defined]
            ("", _("The first measure")),
            *((m.key, m.label) for m in source.measures),
        ]
        self.fields["period"].choices = [  # type: ignore[attr-defined]
            ("", _("Dates below")),
            *PRESET_LABELS.items(),
        ]
        sort_choices: list[tuple[str, Any]] = [("", _("Rows, in order"))]
        for key, label in dimensions + [(m.key, m.label) for m in source.measures]:
            sort_choices.append((key, _("%(column)s, ascending") % {"column": label}))
            sort_choices.append(
                (f"-{key}", _("%(column)s, descending") % {"column": label})
            )
        self.fields["sort"].choices = sort_choices  # type: ignore[attr-defined]
        for report_filter in source.filters:
            name = FILTER_PREFIX + report_filter.key
            field: forms.Field
            if report_filter.choices is not None and report_filter.default:
                field = forms.ChoiceField(
                    label=report_filter.label,
                    required=False,
                    choices=list(report_filter.choices()),
                    initial=report_filter.default[0],
                )
            elif report_filter.choices is not None:
                field = forms.MultipleChoiceField(
                    label=report_filter.label,
                    required=False,
                    choices=list(report_filter.choices()),
                    widget=forms.CheckboxSelectMultiple,
                )
            else:
                field = forms.CharField(
                    label=report_filter.label,
                    required=False,
                    max_length=FILTER_TEXT_MAX,
                    help_text=_("Several values: separate them with commas."),
                )
            self.fields[name] = field

    def filter_fields(self) -> list[forms.BoundField]:
        return [self[FILTER_PREFIX + f.key] for f in self.source.filters]

    def choice_fields(self) -> list[forms.BoundField]:
        """The fields that are not filters, in the page's order."""
        return [
            self[name]
            for name in self.fields
            if not name.startswith(FILTER_PREFIX)
            and name not in ("chart", "chart_measure")
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        filters: list[tuple[str, str]] = []
        for report_filter in self.source.filters:
            value = cleaned.get(FILTER_PREFIX + report_filter.key)
            values = value if isinstance(value, list) else [value]
            filters += [(report_filter.key, text) for text in values if text]
        group_by = [cleaned["rows"]]
        if cleaned.get("columns"):
            group_by.append(cleaned["columns"])
        try:
            query = report_query_build(
                source=self.source.key,
                group_by=group_by,
                measures=cleaned.get("measures") or (),
                filters=filters,
                date_from=cleaned.get("date_from"),
                date_to=cleaned.get("date_to"),
                period=cleaned.get("period") or None,
                sort=cleaned.get("sort") or "",
                top=cleaned.get("top"),
            )
        except ReportQueryError as error:
            field = ERROR_FIELDS.get(error.field)
            if error.field == "group_by":
                field = "columns" if cleaned.get("columns") else "rows"
            self.add_error(field, error.message)
            return cleaned
        chart_measure = cleaned.get("chart_measure") or ""
        if chart_measure and chart_measure not in [m.key for m in query.measures]:
            self.add_error(
                "chart_measure",
                _("Pick one of the measures of the report, or the first one."),
            )
            return cleaned
        cleaned["query"] = query
        cleaned["chart"] = cleaned.get("chart") or CHART_BAR
        cleaned["chart_measure"] = chart_measure
        return cleaned

    @property
    def query(self) -> ReportQuery:
        return self.cleaned_data["query"]

    def choices_json(self) -> dict[str, list[str]]:
        """The choices as a saved report keeps them: each field's values as the
        query string gives them (empty ones left out)."""
        data = self.data
        kept: dict[str, list[str]] = {}
        for name in self.fields:
            values = (
                data.getlist(name)
                if isinstance(data, QueryDict)
                else [str(v) for v in _as_list(data.get(name))]
            )
            values = [value for value in values if value not in ("", None)]
            if values:
                kept[name] = values
        return kept


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def report_form_data(source: ReportSource, given: QueryDict) -> QueryDict:
    """The page's query, or a new report's choices when it has none (rows by
    month of this year, the source's default measures)."""
    if given.get("rows"):
        return given
    data = QueryDict(mutable=True)
    rows = default_rows(source)
    data["rows"] = rows
    rows_dimension = source.dimension(rows)
    if rows_dimension is not None and rows_dimension.kind == PERIOD:
        data["period"] = "this_year"
    for report_filter in source.filters:
        if report_filter.default:
            data[FILTER_PREFIX + report_filter.key] = report_filter.default[0]
    return data


def choices_query(choices: dict[str, list[str]]) -> QueryDict:
    """A saved report's choices as the page's query string."""
    data = QueryDict(mutable=True)
    for name, values in choices.items():
        if isinstance(values, list):
            data.setlist(str(name), [str(value) for value in values])
    return data


class SavedReportForm(forms.ModelForm):
    """A saved report's name and who sees it."""

    class Meta:
        model = SavedReport
        fields = ["name", "visibility"]


class SavedReportRenameForm(forms.ModelForm):
    class Meta:
        model = SavedReport
        fields = ["name"]
