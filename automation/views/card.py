"""The customer card's Funnels tab: the customer's runs, "Stop for this
customer" and "Add to funnel". The card around the tab comes from the customers
app through ``core.plugins.customer_card_pages`` (automation imports no view of
it)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from automation import selectors
from automation.forms.runs import FunnelEnrolForm, paused_manual_funnels
from automation.models import Run
from automation.services import funnel_enrol_customer, run_cancel
from core import plugins
from core.mixins import StaffRequiredMixin
from customers.models import Customer

TAB_KEY = "funnels"
VIEW_TAB = ("customers.view_customer", "automation.view_run")
STOP = (*VIEW_TAB, "automation.change_run")
ENROL = (*VIEW_TAB, "automation.add_run")


class CustomerMixin(StaffRequiredMixin):
    def get_customer(self) -> Customer:
        if not hasattr(self, "_customer"):
            self._customer = get_object_or_404(
                Customer.objects.select_related("user"), pk=self.kwargs["pk"]
            )
        return self._customer


class FunnelTabView(CustomerMixin, TemplateView):
    """The customer's runs in every funnel, newest first."""

    permission_required: str | tuple[str, ...] = VIEW_TAB
    template_name = "automation/staff/card_funnels.html"
    enrol_form: FunnelEnrolForm | None = None

    def get_context_data(self, **kwargs):
        page = plugins.only_entry(plugins.customer_card_pages)
        if page is None:  # the card itself is not there
            raise Http404
        customer = self.get_customer()
        user = self.request.user
        can_enrol = user.has_perms(ENROL)
        return {
            **super().get_context_data(**kwargs),
            **page.context(self.request, customer, TAB_KEY),
            "card_template": page.template_name,
            "runs": list(selectors.customer_runs(customer.pk)),
            "active_state": Run.State.ACTIVE,
            "can_stop": user.has_perms(STOP),
            "enrol_form": (self.enrol_form or FunnelEnrolForm()) if can_enrol else None,
            "paused_funnels": (
                [funnel.name for funnel in paused_manual_funnels()] if can_enrol else []
            ),
        }


class FunnelEnrolView(FunnelTabView):
    """ "Add to funnel": the customer enters a funnel with manual enrolment."""

    permission_required = ENROL
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        customer = self.get_customer()
        form = FunnelEnrolForm(request.POST)
        if form.is_valid():
            funnel = form.cleaned_data["funnel"]
            try:
                funnel_enrol_customer(funnel=funnel, customer=customer, by=request.user)
            except ValidationError as error:
                form.add_error("funnel", error)
            else:
                messages.success(
                    request,
                    _("%(customer)s was added to “%(funnel)s”.")
                    % {"customer": customer, "funnel": funnel.name},
                )
                return redirect("automation:card_tab", pk=customer.pk)
        self.enrol_form = form
        return self.render_to_response(self.get_context_data(), status=400)


class CustomerRunCancelView(CustomerMixin, View):
    """ "Stop for this customer": one of the customer's active runs ends."""

    permission_required = STOP
    http_method_names = ["post"]

    def post(self, request, pk: int, run_pk: int):
        customer = self.get_customer()
        run = get_object_or_404(
            Run.objects.select_related("funnel"), pk=run_pk, customer=customer
        )
        try:
            run_cancel(run=run, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("%(customer)s was taken out of “%(funnel)s”.")
                % {"customer": customer, "funnel": run.funnel.name},
            )
        return redirect("automation:card_tab", pk=customer.pk)
