"""The customer area's "My expirations": services, days left, and "Renew"."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from core.impersonation import acting_user
from customers.views.account import CustomerAreaMixin
from expirations.models import ExpirationSettings
from expirations.selectors import account_expirations
from expirations.services.cart import (
    can_renew_now,
    expiration_renew_to_cart,
    renew_by_contact,
)


def _checkout_url() -> str:
    """The checkout, once the selling app's customer pages are installed."""
    try:
        return reverse("selling:account_checkout")
    except NoReverseMatch:
        return reverse("expirations:account_list")


class ExpirationListView(CustomerAreaMixin, TemplateView):
    template_name = "expirations/account/list.html"

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        quick_renew_days = ExpirationSettings.load().quick_renew_days
        active, expired = account_expirations(self.customer.pk, today=today)
        for expiration in [*active, *expired]:
            expiration.days_left_today = expiration.days_left(today)
            expiration.days_ago = -expiration.days_left_today
            expiration.renewable_now = can_renew_now(
                expiration, today=today, quick_renew_days=quick_renew_days
            )
            expiration.renew_by_contact = renew_by_contact(
                expiration, today=today, quick_renew_days=quick_renew_days
            )
        return {
            **super().get_context_data(**kwargs),
            "active": active,
            "expired": expired,
            "quick_renew_days": quick_renew_days,
            "title": _("My expirations"),
        }


class ExpirationRenewView(CustomerAreaMixin, View):
    """Puts the renewal in the cart and goes to the checkout."""

    http_method_names = ["post"]

    def post(self, request, pk):
        try:
            line = expiration_renew_to_cart(
                customer=self.customer, expiration_id=pk, actor=acting_user(request)
            )
        except ValidationError as error:
            if error.code == "not_found":
                raise Http404(error.messages[0]) from None
            for message in error.messages:
                messages.error(request, message)
            return redirect("expirations:account_list")
        messages.success(
            request,
            _("The renewal of “%(item)s” is in your cart.")
            % {"item": line.product.localized_name},
        )
        return redirect(_checkout_url())
