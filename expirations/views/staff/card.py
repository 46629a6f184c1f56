"""The customer card's Expirations tab: add, edit, cancel and delete."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from core.forms import form_errors_add
from customers.views.staff import CustomerCardMixin
from expirations.forms.staff import (
    CancelForm,
    ExpirationForm,
)
from expirations.models import Expiration, ExpirationSettings
from expirations.selectors import customer_expiration_totals, customer_expirations
from expirations.services import records

VIEW = ("customers.view_customer", "expirations.view_expiration")
ADD = (*VIEW, "expirations.add_expiration")
CHANGE = (*VIEW, "expirations.change_expiration")
DELETE = (*VIEW, "expirations.delete_expiration")
REPORT = "expirations.view_expiration"
SETTINGS = "expirations.change_expirationsettings"


# --- The customer card's tab ---


class ExpirationTabView(CustomerCardMixin, TemplateView):
    """The customer's expirations with state, days left and history; totals."""

    template_name = "expirations/staff/tab.html"
    tab_key = "expirations"
    permission_required: str | tuple[str, ...] = VIEW

    def get_context_data(self, **kwargs):
        customer = self.get_customer()
        today = timezone.localdate()
        soon_days = ExpirationSettings.load().quick_renew_days
        expirations = list(customer_expirations(customer.pk))
        for expiration in expirations:
            expiration.state = expiration.state_on(today, soon_days)
            expiration.state_label = Expiration.State(expiration.state).label
            expiration.days_left_today = expiration.days_left(today)
        return {
            **super().get_context_data(**kwargs),
            "expirations": expirations,
            "totals": customer_expiration_totals(customer.pk, today=today),
            "today": today,
            "cancel_form": kwargs.get("cancel_form"),
            "cancel_expiration_id": kwargs.get("cancel_expiration_id"),
        }


class ExpirationMixin(CustomerCardMixin):
    """A page about one of the customer's expirations; another customer's is a 404."""

    tab_key = "expirations"

    def get_expiration(self) -> Expiration:
        if not hasattr(self, "_expiration"):
            self._expiration = get_object_or_404(
                Expiration.objects.select_related("product"),
                pk=self.kwargs["expiration_pk"],
                customer_id=self.get_customer().pk,
            )
        return self._expiration


class ExpirationCreateView(CustomerCardMixin, TemplateView):
    template_name = "expirations/staff/form.html"
    tab_key = "expirations"
    permission_required = ADD

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        return {
            **super().get_context_data(**kwargs),
            "form": kwargs.get("form")
            or ExpirationForm(initial={"start_date": today, "quantity": 1}),
            "heading": _("New expiration"),
        }

    def post(self, request, *args, **kwargs):
        customer = self.get_customer()
        form = ExpirationForm(request.POST)
        if form.is_valid():
            try:
                records.expiration_create(
                    customer, user=request.user, **form.record_values()
                )
            except ValidationError as error:
                form_errors_add(form, error)
            else:
                messages.success(request, _("The expiration was added."))
                return redirect("expirations:staff_tab", pk=customer.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ExpirationUpdateView(ExpirationMixin, TemplateView):
    template_name = "expirations/staff/form.html"
    permission_required = CHANGE

    def get_context_data(self, **kwargs):
        expiration = self.get_expiration()
        return {
            **super().get_context_data(**kwargs),
            "expiration": expiration,
            "form": kwargs.get("form") or ExpirationForm(expiration=expiration),
            "heading": _("Edit “%(label)s”") % {"label": expiration.label},
        }

    def post(self, request, *args, **kwargs):
        customer = self.get_customer()
        expiration = self.get_expiration()
        form = ExpirationForm(request.POST, expiration=expiration)
        if form.is_valid():
            try:
                records.expiration_update(
                    customer,
                    expiration_id=expiration.pk,
                    user=request.user,
                    **form.record_values(),
                )
            except ValidationError as error:
                form_errors_add(form, error)
            else:
                messages.success(request, _("The expiration was saved."))
                return redirect("expirations:staff_tab", pk=customer.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ExpirationCancelView(ExpirationMixin, ExpirationTabView):
    """Cancels an expiration (POST, with an optional reason): its history stays."""

    http_method_names = ["post"]
    permission_required = CHANGE

    def post(self, request, *args, **kwargs):
        customer = self.get_customer()
        expiration = self.get_expiration()
        form = CancelForm(request.POST)
        if form.is_valid():
            try:
                records.expiration_cancel(
                    customer,
                    expiration_id=expiration.pk,
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                form_errors_add(form, error)
            else:
                messages.success(
                    request,
                    _("“%(label)s” was cancelled.") % {"label": expiration.label},
                )
                return redirect("expirations:staff_tab", pk=customer.pk)
        return self.render_to_response(
            self.get_context_data(cancel_form=form, cancel_expiration_id=expiration.pk),
            status=400,
        )


class ExpirationDeleteView(ExpirationMixin, TemplateView):
    """Asks for confirmation (GET), then deletes the expiration and its history."""

    template_name = "expirations/staff/delete.html"
    permission_required = DELETE

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "expiration": self.get_expiration(),
        }

    def post(self, request, *args, **kwargs):
        customer = self.get_customer()
        label = records.expiration_delete(
            customer, expiration_id=self.get_expiration().pk, user=request.user
        )
        messages.success(request, _("“%(label)s” was deleted.") % {"label": label})
        return redirect("expirations:staff_tab", pk=customer.pk)


# --- The report ---
