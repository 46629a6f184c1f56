"""The customer area's Referrals page: the link, a copy button and the figures."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from django.views.generic import TemplateView

from customers.views.account import CustomerAreaMixin
from referrals.selectors import customer_commissions, referrer_allowed, referrer_stats
from referrals.services import code_for

COMMISSIONS_SHOWN = 50


class ReferralsView(CustomerAreaMixin, TemplateView):
    """Only for a customer the settings let refer; only their own figures."""

    template_name = "referrals/account/referrals.html"

    def get_context_data(self, **kwargs):
        customer = self.customer
        if not referrer_allowed(customer):
            raise Http404
        code = code_for(customer)
        return {
            **super().get_context_data(**kwargs),
            "link": self.request.build_absolute_uri(
                reverse("referrals:link", kwargs={"code": code.code})
            ),
            "stats": referrer_stats(customer.pk),
            "commissions": customer_commissions(customer.pk)[:COMMISSIONS_SHOWN],
        }


def menu_shown(request) -> bool:
    """The menu entry shows for the customers who may refer (asked once per
    request: the menu is drawn more than once on a page)."""
    cached = getattr(request, "_referrals_menu_shown", None)
    if cached is None:
        customer = getattr(request.user, "customer", None)
        cached = customer is not None and referrer_allowed(customer)
        request._referrals_menu_shown = cached
    return cached
