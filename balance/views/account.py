"""The customer area's "My credits": balance, history, payout details, withdrawals."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView, TemplateView

from balance.forms.account import PayoutDetailsForm, WithdrawalRequestForm
from balance.models import BalanceSettings, Withdrawal
from balance.selectors import (
    customer_available,
    customer_history,
    withdrawal_possible,
)
from balance.services import withdrawal_cancel
from balance.services.account import withdrawal_request_from_account
from balance.services.payout import (
    payout_details_get,
    payout_details_read,
    payout_details_save,
)
from core.forms import form_errors_add
from core.impersonation import ForbidWhileImpersonatingMixin
from core.tables import lazy_page
from customers.views.account import CustomerAreaMixin

HISTORY_PAGE_SIZE = 25


class CreditsSectionMixin(CustomerAreaMixin):
    """Only while "My credits" is enabled in the module's settings (else 404)."""

    needs_withdrawals = False

    def dispatch(self, request, *args, **kwargs):
        self.balance_settings = BalanceSettings.load()
        if not self.balance_settings.credits_section_enabled:
            raise Http404
        if self.needs_withdrawals and not self.balance_settings.withdrawals_enabled:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def credits_context(self) -> dict:
        customer = self.customer
        available = customer_available(customer)
        minimum = self.balance_settings.withdrawal_minimum
        minimum_reached = available >= minimum
        minimum_text = (
            "message_minimum_reached" if minimum_reached else "message_below_minimum"
        )
        return {
            "customer": customer,
            "balance_settings": self.balance_settings,
            # The configured texts in the customer's language (or the default one).
            "credits_intro": self.balance_settings.localized("credits_intro"),
            "minimum_message": self.balance_settings.localized(minimum_text),
            "available": available,
            "minimum": minimum,
            "minimum_reached": minimum_reached,
            "has_payout_details": payout_details_get(customer) is not None,
            # The button shows only when a request can succeed (else why not).
            "withdrawal": withdrawal_possible(
                customer, balance_settings=self.balance_settings
            ),
        }


class CreditsView(CreditsSectionMixin, TemplateView):
    template_name = "balance/account/credits.html"

    def get_context_data(self, **kwargs):
        # Not counted: with the reversed pairs left out, COUNT took 400 ms for a
        # customer with 140,000 entries.
        page = lazy_page(
            customer_history(self.customer.pk),
            self.request.GET.get("page"),
            HISTORY_PAGE_SIZE,
        )
        withdrawals = Withdrawal.objects.filter(customer=self.customer)
        return {
            **super().get_context_data(**kwargs),
            **self.credits_context(),
            "page_obj": page,
            "entries": page.object_list,
            "withdrawals": withdrawals,
        }


class PayoutDetailsView(ForbidWhileImpersonatingMixin, CreditsSectionMixin, FormView):
    template_name = "balance/account/payout_form.html"
    form_class = PayoutDetailsForm
    success_url = reverse_lazy("balance:account_credits")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        current = payout_details_read(self.customer)
        return {
            "account_holder": current["account_holder"],
            "iban": current["iban"],
            "bank_name": current["bank_name"],
            "paypal_email": current["paypal_email"],
        }

    def form_valid(self, form):
        try:
            payout_details_save(
                customer=self.customer,
                account_holder=form.cleaned_data["account_holder"],
                iban=form.cleaned_data["iban"],
                bank_name=form.cleaned_data["bank_name"],
                paypal_email=form.cleaned_data["paypal_email"],
                actor=self.request.user,
            )
        except ValidationError as error:
            form_errors_add(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Your payout details were saved."))
        return super().form_valid(form)


class WithdrawalRequestView(
    ForbidWhileImpersonatingMixin, CreditsSectionMixin, FormView
):
    template_name = "balance/account/withdrawal_form.html"
    form_class = WithdrawalRequestForm
    success_url = reverse_lazy("balance:account_credits")
    needs_withdrawals = True

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **self.credits_context()}

    def form_valid(self, form):
        try:
            withdrawal_request_from_account(
                customer=self.customer,
                amount=form.cleaned_data["amount"],
                idempotency_key=f"account:{form.cleaned_data['nonce']}",
            )
        except ValidationError as error:
            if getattr(error, "code", None) == "no_payout_details":
                form.add_error(None, error)
            else:
                form.add_error("amount", error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Your withdrawal request was sent: the amount is set aside."),
        )
        return super().form_valid(form)


class WithdrawalCancelView(ForbidWhileImpersonatingMixin, CreditsSectionMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        withdrawal = get_object_or_404(Withdrawal, pk=pk, customer=self.customer)
        try:
            withdrawal_cancel(withdrawal_id=withdrawal.pk, customer_id=self.customer.pk)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Your withdrawal request was cancelled."))
        return redirect("balance:account_credits")
