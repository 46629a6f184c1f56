"""Backoffice pages: the card's Referrals tab, the Referrals list (and its CSV),
the settings. Each view wires one form to one service."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views import View
from django.views.generic import TemplateView

from core.csv_cells import csv_cell_safe
from core.forms import form_errors_add
from core.mixins import StaffRequiredMixin
from core.money import quantize
from core.tables import PAGE_SIZES, paginate
from customers.views.staff import CustomerCardMixin
from referrals.filters import ReferrerFilterSet
from referrals.forms import ProductCommissionForm, ReferralSettingsForm, ReferrerForm
from referrals.models import (
    ProductCommission,
    Referral,
    ReferralEvent,
    ReferralSettings,
)
from referrals.selectors import (
    customer_commissions,
    customer_referrals,
    referrer_stats,
    referrers_list,
)
from referrals.services import (
    product_commission_remove,
    product_commission_set,
    referral_referrer_set,
    referral_settings_save,
)
from referrals.tables import ReferrerTable

VIEW = ("customers.view_customer", "referrals.view_referral")
CHANGE_REFERRER = (*VIEW, "referrals.change_referrer")
SETTINGS = "referrals.change_referralsettings"


class ReferralTabView(CustomerCardMixin, TemplateView):
    """Who referred the customer (with its history), whom they referred, and
    their commissions."""

    template_name = "referrals/staff/tab.html"
    tab_key = "referrals"
    permission_required: str | tuple[str, ...] = VIEW

    def get_context_data(self, **kwargs):
        customer = self.get_customer()
        referral = (
            Referral.objects.select_related("referrer")
            .filter(referred=customer)
            .first()
        )
        events = (
            ReferralEvent.objects.filter(referral=referral).select_related(
                "referrer", "previous_referrer"
            )
            if referral is not None
            else ReferralEvent.objects.none()
        )
        referrer = referral.referrer if referral is not None else None
        return {
            **super().get_context_data(**kwargs),
            "referral": referral,
            "events": events,
            "referrals": customer_referrals(customer.pk)[:200],
            "commissions": customer_commissions(customer.pk)[:200],
            "stats": referrer_stats(customer.pk),
            "can_change": self.request.user.has_perm("referrals.change_referrer"),
            "referrer_form": kwargs.get("referrer_form")
            or ReferrerForm(initial={"referrer": referrer.email if referrer else ""}),
        }


class ReferrerChangeView(ReferralTabView):
    """POST: a Manager sets or removes who referred the customer."""

    http_method_names = ["post"]
    permission_required = CHANGE_REFERRER

    def post(self, request, *args, **kwargs):
        customer = self.get_customer()
        form = ReferrerForm(request.POST)
        if form.is_valid():
            try:
                referral_referrer_set(
                    customer_id=customer.pk,
                    referrer_id=form.cleaned_data["referrer"],
                    user=request.user,
                )
            except ValidationError as error:
                form_errors_add(form, error)
            else:
                messages.success(request, _("Who referred the customer was saved."))
                return redirect("referrals:staff_tab", pk=customer.pk)
        return self.render_to_response(
            self.get_context_data(referrer_form=form), status=400
        )


class ReferrerListMixin(StaffRequiredMixin):
    permission_required = "referrals.view_referral"

    def filterset(self) -> ReferrerFilterSet:
        return ReferrerFilterSet(self.request.GET, queryset=referrers_list())


class ReferrerListView(ReferrerListMixin, TemplateView):
    template_name = "referrals/staff/list.html"

    def get_context_data(self, **kwargs):
        filterset = self.filterset()
        valid = filterset.is_valid()
        table = ReferrerTable(filterset.qs if valid else referrers_list().none())
        paginate(table, self.request)
        return {
            **super().get_context_data(**kwargs),
            "filter": filterset,
            "table": table,
            "page_sizes": PAGE_SIZES,
            "export_query": self.request.GET.urlencode(),
            "title": _("Referrals"),
        }

    def render_to_response(self, context, **response_kwargs):
        if context["filter"].errors:
            response_kwargs.setdefault("status", 400)
        return super().render_to_response(context, **response_kwargs)


def _csv_lines(rows) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([csv_cell_safe(cell) for cell in cells])
        return buffer.getvalue()

    yield "\ufeff" + line(
        [
            pgettext("referral programme", "Referrer"),
            _("E-mail"),
            _("Sign-ups"),
            _("Revenue brought"),
            _("Pending"),
            _("Credited"),
            _("Reversed"),
        ]
    )
    for row in rows.iterator(chunk_size=500):
        yield line(
            [
                str(row),
                row.email,
                row.referral_signups,
                # Two decimals on every database (SQLite's sums lose the scale).
                quantize(row.referral_revenue),
                quantize(row.commissions_pending),
                quantize(row.commissions_available),
                quantize(row.commissions_reversed),
            ]
        )


class ReferrerCsvView(ReferrerListMixin, View):
    def get(self, request, *args, **kwargs):
        filterset = self.filterset()
        if not filterset.is_valid():
            raise Http404
        response = StreamingHttpResponse(
            _csv_lines(filterset.qs), content_type="text/csv; charset=utf-8"
        )
        name = f"referrals-{timezone.localdate().isoformat()}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


def _settings_initial(current: ReferralSettings) -> dict:
    return {
        "referrers": current.referrers,
        "referrer_tag": current.referrer_tag_id,
        "cookie_days": current.cookie_days,
        "commission_type": current.commission_type,
        "commission_percent": current.commission_percent,
        "commission_fixed": current.commission_fixed,
        "exclude_balance": current.exclude_balance,
        "scope": current.scope,
        "scope_months": current.scope_months,
        "refund_window_days": current.refund_window_days,
    }


class SettingsView(StaffRequiredMixin, TemplateView):
    template_name = "referrals/staff/settings.html"
    permission_required = SETTINGS

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "form": kwargs.get("form")
            or ReferralSettingsForm(initial=_settings_initial(ReferralSettings.load())),
            "product_form": kwargs.get("product_form") or ProductCommissionForm(),
            "product_commissions": ProductCommission.objects.select_related("product"),
            "title": _("Referrals"),
        }

    def post(self, request, *args, **kwargs):
        form = ReferralSettingsForm(request.POST)
        if form.is_valid():
            try:
                referral_settings_save(**form.cleaned_data)
            except ValidationError as error:
                form_errors_add(form, error)
            else:
                messages.success(request, _("The settings were saved."))
                return redirect("referrals:staff_settings")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ProductCommissionView(SettingsView):
    """POST: give a product its own commission."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = ProductCommissionForm(request.POST)
        if form.is_valid():
            try:
                product_commission_set(**form.cleaned_data)
            except ValidationError as error:
                form_errors_add(form, error)
            else:
                messages.success(request, _("The product's commission was saved."))
                return redirect("referrals:staff_settings")
        return self.render_to_response(
            self.get_context_data(product_form=form), status=400
        )


class ProductCommissionRemoveView(SettingsView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        rate = get_object_or_404(ProductCommission, pk=kwargs["rate_pk"])
        product_commission_remove(product_commission_id=rate.pk)
        messages.success(
            request,
            _("“%(product)s” earns the usual commission again.")
            % {"product": rate.product},
        )
        return redirect("referrals:staff_settings")
