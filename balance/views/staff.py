"""Staff pages of the balance: the card's Balance tab and the withdrawals page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.generic import TemplateView

from balance.forms.staff import (
    ApproveForm,
    BalanceSettingsForm,
    GiftForm,
    HistoryFilterForm,
    OperationForm,
    PayForm,
    RejectForm,
    ReverseForm,
)
from balance.models import (
    BalanceSettings,
    Entry,
    Gift,
    GiftRun,
    PayoutDetailsAccess,
    Withdrawal,
)
from balance.selectors import (
    customer_available,
    customer_entries,
    withdrawal_recipients,
)
from balance.services import staff as staff_services
from balance.services.payout import (
    payout_change_describe,
    payout_display,
    payout_snapshot,
)
from balance.services.payout_access import payout_access_record, payout_shown_unmasked
from core.mixins import StaffRequiredMixin
from core.tables import lazy_page
from customers.views.staff import CustomerCardMixin

VIEW = ("customers.view_customer", "balance.view_entry")
ADD = (*VIEW, "balance.add_entry")
# Without it, staff see payout details masked ("IT•• •••• •••• 3456").
VIEW_UNMASKED = "balance.view_payout_details_unmasked"
HISTORY_PAGE_SIZE = 50


def _add_service_error(form, error: ValidationError, field=None):
    for message in error.messages:
        form.add_error(field, message)


def _held_money_warn(request, customer) -> None:
    warning = staff_services.held_money_warning(customer_id=customer.pk)
    if warning:
        messages.warning(request, warning)


class BalanceTabView(CustomerCardMixin, TemplateView):
    """Balance and available; add an operation; the history, filtered and paged."""

    template_name = "balance/staff/tab.html"
    tab_key = "balance"
    permission_required: str | tuple[str, ...] = VIEW

    def get_context_data(self, **kwargs):
        customer = self.get_customer()
        filter_form = HistoryFilterForm(self.request.GET or None)
        entries = filter_form.apply(customer_entries(customer.pk)).select_related(
            "reversed_by"
        )
        # Not counted: a customer with 140,000 entries took 100 ms more.
        page = lazy_page(entries, self.request.GET.get("page"), HISTORY_PAGE_SIZE)
        query = self.request.GET.copy()
        query.pop("page", None)
        snapshot = payout_snapshot(customer)
        unmasked = self.request.user.has_perm(VIEW_UNMASKED)
        if unmasked and payout_shown_unmasked(snapshot):
            payout_access_record(
                viewer=self.request.user,
                customer_ids=[customer.pk],
                page=PayoutDetailsAccess.Page.BALANCE_TAB,
            )
        return {
            **super().get_context_data(**kwargs),
            "available": customer_available(customer),
            "payout_lines": _payout_lines(snapshot, unmasked=unmasked),
            "operation_form": kwargs.pop("operation_form", None) or OperationForm(),
            "reverse_form": kwargs.pop("reverse_form", None),
            "reverse_entry_id": kwargs.pop("reverse_entry_id", None),
            "filter_form": filter_form,
            "page_obj": page,
            "query": query.urlencode(),
        }


class BalanceOperationView(BalanceTabView):
    http_method_names = ["post"]
    permission_required = ADD

    def post(self, request, *args, **kwargs):
        customer = self.get_customer()
        form = OperationForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                staff_services.staff_operation_post(
                    customer=customer,
                    credit=data["direction"] == OperationForm.CREDIT,
                    amount=data["amount"],
                    note=data["note"],
                    user=request.user,
                    nonce=data["nonce"],
                )
            except ValidationError as error:
                _add_service_error(form, error, "amount")
            else:
                messages.success(request, _("The operation was posted."))
                _held_money_warn(request, customer)
                return redirect("balance:tab", pk=customer.pk)
        return self.render_to_response(
            self.get_context_data(operation_form=form), status=400
        )


class BalanceReverseView(BalanceTabView):
    """ "Delete" an entry: post its reversal, with a reason."""

    http_method_names = ["post"]
    permission_required = ADD

    def post(self, request, *args, **kwargs):
        customer = self.get_customer()
        entry = get_object_or_404(Entry, pk=self.kwargs["entry_pk"], customer=customer)
        form = ReverseForm(request.POST)
        if form.is_valid():
            try:
                staff_services.staff_entry_reverse(
                    entry=entry, reason=form.cleaned_data["reason"], user=request.user
                )
            except ValidationError as error:
                _add_service_error(form, error, "reason")
            else:
                messages.success(request, _("The operation was deleted (reversed)."))
                _held_money_warn(request, customer)
                return redirect("balance:tab", pk=customer.pk)
        return self.render_to_response(
            self.get_context_data(reverse_form=form, reverse_entry_id=entry.pk),
            status=400,
        )


class WithdrawalListView(StaffRequiredMixin, TemplateView):
    """Pending requests first, then the others, newest first."""

    template_name = "balance/staff/withdrawals.html"
    permission_required: str | tuple[str, ...] = "balance.view_withdrawal"

    def get_context_data(self, **kwargs):
        from django.db.models import Case, IntegerField, Value, When

        withdrawals = (
            Withdrawal.objects.select_related("customer", "payout_change")
            .annotate(
                pending_first=Case(
                    When(status=Withdrawal.Status.PENDING, then=Value(0)),
                    When(status=Withdrawal.Status.APPROVED, then=Value(1)),
                    default=Value(2),
                    output_field=IntegerField(),
                )
            )
            .order_by("pending_first", "-created_at", "-id")
        )
        page = Paginator(withdrawals, HISTORY_PAGE_SIZE).get_page(
            self.request.GET.get("page")
        )
        unmasked = self.request.user.has_perm(VIEW_UNMASKED)
        shown_unmasked = []
        for withdrawal in page:
            withdrawal.payout_lines = _payout_lines(
                withdrawal.payout_details, unmasked=unmasked
            )
            if unmasked and payout_shown_unmasked(withdrawal.payout_details):
                shown_unmasked.append(withdrawal.customer_id)
            if withdrawal.payout_change is not None:
                withdrawal.payout_change_text = payout_change_describe(
                    withdrawal.payout_change
                )
        if shown_unmasked:
            payout_access_record(
                viewer=self.request.user,
                customer_ids=shown_unmasked,
                page=PayoutDetailsAccess.Page.WITHDRAWALS,
            )
        return {
            **super().get_context_data(**kwargs),
            "page_obj": page,
            "errors": kwargs.get("errors"),
            "error_withdrawal_id": kwargs.get("error_withdrawal_id"),
            "recipients": withdrawal_recipients(BalanceSettings.load()),
            "title": _("Withdrawals"),
        }


PAYOUT_LABELS = {
    "iban": _lazy("IBAN"),
    "bank_name": _lazy("Bank"),
    "account_holder": _lazy("Account holder"),
    "paypal_email": _lazy("PayPal"),
}


def _payout_lines(details: dict, *, unmasked: bool) -> dict:
    """Label → display string, masked unless the user may see the details."""
    shown = payout_display(details or {}, unmasked=unmasked)
    return {
        PAYOUT_LABELS.get(name, name): value for name, value in shown.items() if value
    }


class WithdrawalActionView(WithdrawalListView):
    http_method_names = ["post"]
    permission_required = ("balance.view_withdrawal", "balance.approve_withdrawal")

    def post(self, request, *args, **kwargs):
        withdrawal = get_object_or_404(
            Withdrawal.objects.select_related("customer"), pk=self.kwargs["pk"]
        )
        action = self.kwargs["action"]
        if action not in ("approve", "reject", "pay"):
            raise Http404
        form = None
        try:
            if action == "approve":
                form = ApproveForm(request.POST)
                if form.is_valid():
                    staff_services.staff_withdrawal_approve(
                        withdrawal=withdrawal,
                        user=request.user,
                        payout_change_checked=form.cleaned_data[
                            "payout_change_checked"
                        ],
                    )
                    messages.success(request, _("The request was approved."))
            elif action == "reject":
                form = RejectForm(request.POST)
                if form.is_valid():
                    staff_services.staff_withdrawal_reject(
                        withdrawal=withdrawal,
                        reason=form.cleaned_data["reason"],
                        user=request.user,
                    )
                    messages.success(request, _("The request was rejected."))
            else:
                form = PayForm(request.POST)
                if form.is_valid():
                    staff_services.staff_withdrawal_pay(
                        withdrawal=withdrawal,
                        payout_reference=form.cleaned_data["payout_reference"],
                        user=request.user,
                    )
                    messages.success(request, _("The request was marked as paid."))
        except ValidationError as error:
            errors = error.messages
        else:
            if form is None or form.is_valid():
                return redirect("balance:withdrawals")
            errors = [e for field in form.errors.values() for e in field]
        return self.render_to_response(
            self.get_context_data(errors=errors, error_withdrawal_id=withdrawal.pk),
            status=400,
        )


class BalanceSettingsView(StaffRequiredMixin, TemplateView):
    template_name = "balance/staff/settings.html"
    permission_required = "balance.change_balancesettings"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "form": kwargs.get("form")
            or BalanceSettingsForm(instance=BalanceSettings.load()),
            "recipients": withdrawal_recipients(BalanceSettings.load()),
            "title": _("Balance"),
        }

    def post(self, request, *args, **kwargs):
        form = BalanceSettingsForm(request.POST, instance=BalanceSettings.load())
        if form.is_valid():
            staff_services.balance_settings_save(**form.cleaned_data)
            messages.success(request, _("The settings were saved."))
            return redirect("balance:settings")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class GiftPermissionMixin(StaffRequiredMixin):
    view_permission = "balance.view_gift"
    change_permission = "balance.change_gift"

    def get_permission_required(self):
        if self.request.method == "POST":
            return (self.view_permission, self.change_permission)
        return (self.view_permission,)


class GiftListView(GiftPermissionMixin, TemplateView):
    """Every gift with its runs log (period, customers, total)."""

    template_name = "balance/staff/gifts.html"
    change_permission = "balance.add_gift"

    def get_context_data(self, **kwargs):
        gifts = list(Gift.objects.select_related("tag", "newsletter_list"))
        runs: dict[int, list] = {}
        for run in GiftRun.objects.filter(gift__in=gifts).order_by("-ran_at")[:500]:
            runs.setdefault(run.gift_id, []).append(run)
        for gift in gifts:
            gift.run_log = runs.get(gift.pk, [])[:12]
        return {
            **super().get_context_data(**kwargs),
            "gifts": gifts,
            "form": kwargs.get("form") or GiftForm(),
            "title": _("Periodic gifts"),
        }

    def post(self, request, *args, **kwargs):
        form = GiftForm(request.POST)
        if form.is_valid():
            try:
                staff_services.gift_save(**form.cleaned_data)
            except ValidationError as error:
                _add_gift_error(form, error)
            else:
                messages.success(request, _("The gift was created."))
                return redirect("balance:gifts")
        return self.render_to_response(self.get_context_data(form=form), status=400)


def _add_gift_error(form, error: ValidationError):
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class GiftEditView(GiftPermissionMixin, TemplateView):
    template_name = "balance/staff/gift_form.html"

    def get_gift(self) -> Gift:
        return get_object_or_404(Gift, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        gift = self.get_gift()
        return {
            **super().get_context_data(**kwargs),
            "gift": gift,
            "form": kwargs.get("form") or GiftForm(instance=gift),
            "title": _("Gift “%(name)s”") % {"name": gift.description},
        }

    def post(self, request, *args, **kwargs):
        gift = self.get_gift()
        form = GiftForm(request.POST, instance=gift)
        if form.is_valid():
            try:
                staff_services.gift_save(gift=gift, **form.cleaned_data)
            except ValidationError as error:
                _add_gift_error(form, error)
            else:
                messages.success(request, _("The gift was saved."))
                return redirect("balance:gifts")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class GiftActiveView(GiftPermissionMixin, TemplateView):
    """Deactivates a gift, or activates it again (POST ``active`` 0 or 1)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        gift = get_object_or_404(Gift, pk=self.kwargs["pk"])
        active = request.POST.get("active", "0") == "1"
        staff_services.gift_set_active(gift=gift, active=active)
        messages.success(
            request,
            _("The gift is active.") if active else _("The gift was deactivated."),
        )
        return redirect("balance:gifts")
