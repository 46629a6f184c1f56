"""Staff pages of a funnel's runs (the list with its filters, a run's visits and
"Stop") and of Needs attention (failed steps, with Retry and Skip one by one or
ticked)."""

from __future__ import annotations

import django_tables2 as tables
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import TemplateView, View

from automation import selectors
from automation.forms.runs import AttentionBulkForm, RunFilterSet
from automation.models import Funnel, Run, StepVisit
from automation.services import run_cancel, step_visit_retry, step_visit_skip
from core.mixins import StaffRequiredMixin
from core.tables import PAGE_SIZES, StaffTable, paginate

VIEW_RUNS = ("automation.view_funnel", "automation.view_run")
CANCEL_RUN = (*VIEW_RUNS, "automation.change_run")
VIEW_ATTENTION = (*VIEW_RUNS, "automation.view_stepvisit")
DECIDE_VISIT = (*VIEW_ATTENTION, "automation.change_stepvisit")
# The Needs attention list's bulk form; the row checkboxes join it by their
# ``form`` attribute.
ATTENTION_FORM_ID = "attention-bulk"


def _back(request, default: str) -> str:
    """Where a POST returns: its ``next`` if it is a page of this site."""
    wanted = request.POST.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return default


# --- A funnel's runs ---


class RunTable(StaffTable):
    customer = tables.Column(
        verbose_name=gettext_lazy("Customer"),
        linkify=("customers:card", {"pk": tables.A("customer_id")}),
    )
    state = tables.TemplateColumn(
        verbose_name=gettext_lazy("State"),
        template_name="automation/staff/runs_state_cell.html",
    )
    current_step = tables.Column(
        verbose_name=gettext_lazy("Current step"), empty_values=()
    )
    entered_at = tables.DateTimeColumn(
        verbose_name=gettext_lazy("Entered"), format="SHORT_DATETIME_FORMAT"
    )
    ended_at = tables.DateTimeColumn(
        verbose_name=gettext_lazy("Ended"), format="SHORT_DATETIME_FORMAT"
    )
    converted_at = tables.DateTimeColumn(
        verbose_name=gettext_lazy("Goal reached"), format="SHORT_DATETIME_FORMAT"
    )
    detail = tables.LinkColumn(
        "automation:staff_run",
        args=[tables.A("funnel_id"), tables.A("pk")],
        text=gettext_lazy("Details"),
        verbose_name=gettext_lazy("Details"),
        empty_values=(),
    )

    class Meta(StaffTable.Meta):
        model = Run
        fields = (
            "customer",
            "state",
            "current_step",
            "entered_at",
            "ended_at",
            "converted_at",
            "detail",
        )
        orderable = False
        empty_text = gettext_lazy("No runs.")

    def render_current_step(self, value):
        return value or "—"


class FunnelMixin(StaffRequiredMixin):
    def get_funnel(self) -> Funnel:
        if not hasattr(self, "_funnel"):
            self._funnel = get_object_or_404(Funnel, pk=self.kwargs["pk"])
        return self._funnel


class FunnelRunListView(FunnelMixin, TemplateView):
    """A funnel's runs, filtered: who, where they are, since when."""

    permission_required: str | tuple[str, ...] = VIEW_RUNS
    template_name = "automation/staff/runs_list.html"

    def get_context_data(self, **kwargs):
        funnel = self.get_funnel()
        filterset = RunFilterSet(
            self.request.GET, queryset=selectors.funnel_runs(funnel), funnel=funnel
        )
        table = RunTable(filterset.qs if filterset.is_valid() else Run.objects.none())
        paginate(table, self.request)
        attention, more = selectors.attention_count()
        return {
            **super().get_context_data(**kwargs),
            "funnel": funnel,
            "filter": filterset,
            "table": table,
            "page_sizes": PAGE_SIZES,
            "attention_count": attention,
            "attention_more": more,
            "title": _("Runs of “%(name)s”") % {"name": funnel.name},
        }


class RunMixin(FunnelMixin):
    def get_run(self) -> Run:
        if not hasattr(self, "_run"):
            self._run = get_object_or_404(
                Run.objects.select_related("customer", "funnel", "version"),
                pk=self.kwargs["run_pk"],
                funnel_id=self.kwargs["pk"],
            )
        return self._run


class RunDetailView(RunMixin, TemplateView):
    """One run: its customer, its state and every step it visited."""

    permission_required: str | tuple[str, ...] = VIEW_RUNS
    template_name = "automation/staff/runs_detail.html"

    def get_context_data(self, **kwargs):
        run = self.get_run()
        return {
            **super().get_context_data(**kwargs),
            "funnel": run.funnel,
            "run": run,
            "visits": list(selectors.run_visits(run)),
            "failed_state": StepVisit.State.FAILED,
            "title": _("Run of %(customer)s in “%(funnel)s”")
            % {"customer": run.customer, "funnel": run.funnel.name},
        }


class RunCancelView(RunMixin, View):
    """ "Stop": the run's waiting steps are cancelled, nothing more is done."""

    permission_required = CANCEL_RUN
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        run = self.get_run()
        try:
            run_cancel(run=run, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("%(customer)s was taken out of “%(funnel)s”.")
                % {"customer": run.customer, "funnel": run.funnel.name},
            )
        default = reverse("automation:staff_run", args=[run.funnel_id, run.pk])
        return HttpResponseRedirect(_back(request, default))


# --- Needs attention ---


class AttentionTable(StaffTable):
    selected = tables.CheckBoxColumn(
        accessor="pk",
        attrs={
            "th__input": {
                "data-select-all": ATTENTION_FORM_ID,
                "aria-label": gettext_lazy("Select all on this page"),
                "form": ATTENTION_FORM_ID,
            },
            "td__input": {"form": ATTENTION_FORM_ID},
        },
    )
    funnel = tables.Column(
        verbose_name=gettext_lazy("Funnel"),
        accessor="run__funnel",
        linkify=("automation:staff_runs", {"pk": tables.A("run__funnel_id")}),
    )
    customer = tables.Column(
        verbose_name=gettext_lazy("Customer"),
        accessor="run__customer",
        linkify=("customers:card", {"pk": tables.A("run__customer_id")}),
    )
    step_key = tables.LinkColumn(
        "automation:staff_run",
        args=[tables.A("run__funnel_id"), tables.A("run_id")],
        verbose_name=gettext_lazy("Step"),
    )
    state = tables.Column(verbose_name=gettext_lazy("State"))
    error = tables.Column(verbose_name=gettext_lazy("Error"))
    attempts = tables.Column(
        verbose_name=gettext_lazy("Attempts"), attrs={"td": {"class": "number"}}
    )
    due_at = tables.DateTimeColumn(
        verbose_name=gettext_lazy("Due"), format="SHORT_DATETIME_FORMAT"
    )
    actions = tables.TemplateColumn(
        verbose_name=gettext_lazy("Actions"),
        template_name="automation/staff/attention_actions_cell.html",
        empty_values=(),
        attrs={"td": {"class": "row-actions"}},
    )

    class Meta(StaffTable.Meta):
        model = StepVisit
        fields = (
            "selected",
            "funnel",
            "customer",
            "step_key",
            "state",
            "error",
            "attempts",
            "due_at",
            "actions",
        )
        orderable = False
        empty_text = gettext_lazy("No step needs attention.")


class AttentionListView(StaffRequiredMixin, TemplateView):
    """Failed steps (and steps retrying after a failure), oldest first."""

    permission_required: str | tuple[str, ...] = VIEW_ATTENTION
    template_name = "automation/staff/attention_list.html"
    bulk_form: AttentionBulkForm | None = None

    def get_context_data(self, **kwargs):
        user = self.request.user
        decide = user.has_perms(DECIDE_VISIT)
        table = AttentionTable(
            selectors.visits_needing_attention(),
            exclude=() if decide else ("selected", "actions"),
        )
        paginate(table, self.request)
        return {
            **super().get_context_data(**kwargs),
            "table": table,
            "page_sizes": PAGE_SIZES,
            "can_decide": decide,
            "bulk_form": self.bulk_form or AttentionBulkForm(),
            "form_id": ATTENTION_FORM_ID,
            "title": _("Needs attention"),
        }


class VisitDecisionView(StaffRequiredMixin, View):
    """Retry or Skip one step visit (a POST)."""

    permission_required = DECIDE_VISIT
    http_method_names = ["post"]
    decision = ""

    def post(self, request, visit_pk: int):
        visit = get_object_or_404(StepVisit, pk=visit_pk)
        service = step_visit_retry if self.decision == "retry" else step_visit_skip
        try:
            service(visit=visit, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("The step will run again at the next tick.")
                if self.decision == "retry"
                else _("The step was skipped; the run goes on."),
            )
        return HttpResponseRedirect(
            _back(request, reverse("automation:staff_attention"))
        )


class AttentionBulkView(AttentionListView):
    """Retry or Skip every ticked step; each is decided on its own (one that
    meanwhile ran or was decided is counted apart)."""

    permission_required = DECIDE_VISIT
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = AttentionBulkForm(request.POST)
        if not form.is_valid():
            self.bulk_form = form
            return self.render_to_response(self.get_context_data(), status=400)
        retry = form.cleaned_data["action"] == AttentionBulkForm.RETRY
        service = step_visit_retry if retry else step_visit_skip
        done = refused = 0
        for visit in StepVisit.objects.filter(pk__in=form.cleaned_data["selected"]):
            try:
                service(visit=visit, by=request.user)
            except ValidationError:
                refused += 1
            else:
                done += 1
        if retry:
            text = ngettext(
                "%(count)d step will run again at the next tick.",
                "%(count)d steps will run again at the next tick.",
                done,
            )
        else:
            text = ngettext(
                "%(count)d step was skipped.", "%(count)d steps were skipped.", done
            )
        messages.success(request, text % {"count": done})
        if refused:
            messages.warning(
                request,
                ngettext(
                    "%(count)d step was no longer waiting for a decision.",
                    "%(count)d steps were no longer waiting for a decision.",
                    refused,
                )
                % {"count": refused},
            )
        return redirect(_back(request, reverse("automation:staff_attention")))
