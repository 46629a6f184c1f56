"""Forms of the runs pages, the Needs attention list and the card's Funnels tab.
They check the shape of input; the rules live in ``automation.services``."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from automation.definition import MANUAL_TRIGGER
from automation.models import Funnel, FunnelVersion, Run
from customers.search import SEARCH_MAX_LENGTH, customer_search_q

# Ticked rows one bulk post of Needs attention acts on, at most.
MAX_SELECTED = 200
# Versions of a funnel whose steps the "current step" filter offers.
STEP_CHOICE_VERSIONS = 20

TEST_CHOICES = (
    ("real", pgettext_lazy("funnel run", "Real")),
    ("test", pgettext_lazy("funnel run", "Test")),
)


def start_of_day(day: date) -> datetime:
    """The first moment of ``day`` in the business time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def funnel_step_choices(funnel: Funnel) -> list[tuple[str, str]]:
    """The step keys of the funnel's latest versions, in the order of their steps."""
    keys: dict[str, None] = {}
    definitions = FunnelVersion.objects.filter(funnel=funnel).order_by("-number")
    for definition in definitions.values_list("definition", flat=True)[
        :STEP_CHOICE_VERSIONS
    ]:
        for step in (definition or {}).get("steps", []):
            if isinstance(step, dict) and isinstance(step.get("key"), str):
                keys.setdefault(step["key"])
    return [(key, key) for key in keys]


class RunFilterForm(forms.Form):
    """Checks the filters as a whole: a date range must not run backwards."""

    def clean(self):
        cleaned_data = super().clean()
        start = cleaned_data.get("entered_from")
        end = cleaned_data.get("entered_to")
        if start and end and start > end:
            self.add_error(
                "entered_to",
                _("The end date is before the start date: pick a later end date."),
            )
        return cleaned_data


class RunFilterSet(django_filters.FilterSet):
    """A funnel's runs: state, test or real, current step, entered between, and
    the customer, found as the customer list finds them."""

    q = django_filters.CharFilter(
        label=_("Customer"),
        method="filter_customer",
        help_text=_("Name, e-mail or phone"),
        max_length=SEARCH_MAX_LENGTH,
    )
    state = django_filters.ChoiceFilter(
        label=_("State"), choices=Run.State.choices, empty_label=_("All")
    )
    test = django_filters.ChoiceFilter(
        label=pgettext_lazy("funnel run", "Test or real"),
        choices=TEST_CHOICES,
        empty_label=_("All"),
        method="filter_test",
    )
    step = django_filters.ChoiceFilter(
        label=_("Current step"),
        choices=(),
        empty_label=_("All"),
        method="filter_step",
    )
    entered_from = django_filters.DateFilter(
        label=_("Entered from"), method="filter_entered_from", widget=_date_input()
    )
    entered_to = django_filters.DateFilter(
        label=_("Entered to"), method="filter_entered_to", widget=_date_input()
    )

    class Meta:
        model = Run
        form = RunFilterForm
        fields = ["q", "state", "test", "step", "entered_from", "entered_to"]

    def __init__(self, *args, funnel: Funnel, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["step"].extra["choices"] = funnel_step_choices(funnel)

    def filter_customer(self, queryset, name, value):
        return queryset.filter(customer_search_q(value, prefix="customer__"))

    def filter_test(self, queryset, name, value):
        return queryset.filter(is_test=value == "test")

    def filter_step(self, queryset, name, value):
        # ``current_step`` is annotated by automation.selectors.funnel_runs.
        return queryset.filter(current_step=value)

    def filter_entered_from(self, queryset, name, value):
        return queryset.filter(entered_at__gte=start_of_day(value))

    def filter_entered_to(self, queryset, name, value):
        return queryset.filter(entered_at__lt=start_of_day(value + timedelta(days=1)))


def manual_funnels() -> QuerySet[Funnel]:
    """The funnels staff may add customers to by hand: active, published, started
    by the manual trigger."""
    return Funnel.objects.filter(
        status=Funnel.Status.ACTIVE,
        trigger_key=MANUAL_TRIGGER,
        published_version__isnull=False,
    ).only("name")


class ManualFunnelField(forms.ModelChoiceField):
    """A select of the funnels with manual enrolment (the card, the bulk action)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Funnel"))
        kwargs.setdefault(
            "error_messages",
            {
                "required": _("Pick the funnel."),
                "invalid_choice": _(
                    "This funnel does not exist or is not active with manual "
                    "enrolment (any more): pick another."
                ),
            },
        )
        super().__init__(queryset=manual_funnels(), **kwargs)

    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError:
            # Paused (perhaps since the page was drawn): say so, not "pick another".
            text = str(value or "").strip()
            paused = (
                paused_manual_funnels().filter(pk=int(text)).first()
                if text.isascii() and text.isdigit() and len(text) <= 18
                else None
            )
            if paused is not None:
                raise forms.ValidationError(
                    _("“%(name)s” is paused: nobody enters it until it is resumed."),
                    code="paused",
                    params={"name": paused.name},
                ) from None
            raise


def paused_manual_funnels() -> QuerySet[Funnel]:
    """The funnels with manual enrolment that are paused: they take nobody until
    resumed (``automation.services.enrolment_refusal``)."""
    return Funnel.objects.filter(
        status=Funnel.Status.PAUSED,
        trigger_key=MANUAL_TRIGGER,
        published_version__isnull=False,
    ).only("name")


class FunnelEnrolForm(forms.Form):
    """The card's "Add to funnel"."""

    funnel = ManualFunnelField(empty_label=_("Pick a funnel…"))


class SelectedVisitsField(forms.Field):
    """The ids of the step visits ticked in Needs attention."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "invalid": _("The selection is not valid: tick the steps again."),
        "too_many": _("Tick at most %(max)d steps at a time."),
        "required": _("Tick at least one step."),
    }

    def to_python(self, value):
        if not value:
            return []
        if not isinstance(value, list | tuple):
            value = [value]
        if len(value) > MAX_SELECTED:
            raise forms.ValidationError(
                self.error_messages["too_many"],
                "too_many",
                params={"max": MAX_SELECTED},
            )
        ids = []
        for item in value:
            text = str(item).strip()
            if not text.isascii() or not text.isdigit() or len(text) > 18:
                raise forms.ValidationError(self.error_messages["invalid"], "invalid")
            ids.append(int(text))
        return sorted(set(ids))


class AttentionBulkForm(forms.Form):
    RETRY = "retry"
    SKIP = "skip"

    action = forms.ChoiceField(
        choices=(
            (RETRY, _("Retry selected")),
            (SKIP, _("Skip selected")),
        ),
        error_messages={"required": _("Choose Retry or Skip.")},
    )
    selected = SelectedVisitsField()
