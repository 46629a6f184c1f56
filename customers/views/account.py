"""The customer area: login, password reset, home.

Logging in and resetting a password act on login data, which only the person may
do: while staff are logged in as a customer these pages answer 403 (logging out
ends the impersonation, on record).
"""

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import Http404, HttpRequest
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from core import plugins
from core.backends import client_ip
from core.impersonation import (
    ForbidWhileImpersonatingMixin,
    impersonator,
    is_impersonating,
)
from core.models import User
from customers.forms.account import (
    ConfirmationResendForm,
    CustomerAuthenticationForm,
    CustomerPasswordResetForm,
)
from customers.models import Customer
from customers.services.email_confirmation import (
    customer_confirmation_on_login,
    customer_confirmation_resend,
)
from customers.services.history_account import customer_profile_update
from customers.services.login import customer_impersonation_end


def _unconfirmed(form) -> bool:
    return form.is_bound and form.has_error(NON_FIELD_ERRORS, "email_unconfirmed")


class AccountLoginView(ForbidWhileImpersonatingMixin, auth_views.LoginView):
    """The customer login. The right password for an address not confirmed yet is
    refused (``CLIENTELA_LOGIN_REQUIRES_CONFIRMED_EMAIL``) with "Send the link
    again"; a wrong password never learns that."""

    template_name = "account/login.html"
    authentication_form = CustomerAuthenticationForm
    redirect_authenticated_user = False

    def form_invalid(self, form):
        if _unconfirmed(form):
            customer_confirmation_on_login(
                customer=form.get_user().customer,
                site_url=self.request.build_absolute_uri("/"),
            )
        return super().form_invalid(form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context.get("form")
        if form is not None and _unconfirmed(form):
            context["resend_form"] = ConfirmationResendForm(
                initial={"email": form.cleaned_data.get("username", "")}
            )
        return context


class ConfirmationResendView(ForbidWhileImpersonatingMixin, View):
    """The login page's "Send the link again" (POST). The answer is the same
    whether a link went or not (unknown or confirmed address, a limit reached)."""

    http_method_names = ["post"]

    def post(self, request):
        form = ConfirmationResendForm(request.POST)
        if form.is_valid():
            customer_confirmation_resend(
                email=form.cleaned_data["email"],
                client_ip=client_ip(request),
                site_url=request.build_absolute_uri("/"),
            )
        messages.info(
            request,
            _(
                "If this address is waiting to be confirmed, we sent a new link to "
                "it. Check your inbox, then log in."
            ),
        )
        return redirect("account:login")


class AccountLogoutView(auth_views.LogoutView):
    next_page = cast(str, reverse_lazy("account:login"))

    def post(self, request, *args, **kwargs):
        # login: logging out while impersonating ends the impersonation, on record.
        customer = getattr(request.user, "customer", None)
        if is_impersonating(request) and customer is not None:
            customer_impersonation_end(customer=customer, staff=impersonator(request))
        return super().post(request, *args, **kwargs)


class AccountPasswordResetView(
    ForbidWhileImpersonatingMixin, auth_views.PasswordResetView
):
    template_name = "account/password_reset_form.html"
    form_class = CustomerPasswordResetForm
    success_url = reverse_lazy("account:password_reset_done")


class AccountPasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "account/password_reset_done.html"


class AccountPasswordResetConfirmView(
    ForbidWhileImpersonatingMixin, auth_views.PasswordResetConfirmView
):
    template_name = "account/password_reset_confirm.html"
    success_url = reverse_lazy("account:password_reset_complete")


class AccountPasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "account/password_reset_complete.html"


class CustomerAreaMixin(LoginRequiredMixin):
    """Customer-area pages: only for a logged-in customer, about that customer only."""

    login_url = reverse_lazy("account:login")
    # Set by the view this mixin is combined with.
    request: HttpRequest
    kwargs: dict[str, Any]

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not hasattr(request.user, "customer"):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    @property
    def customer(self) -> Customer:
        return cast(User, self.request.user).customer  # logged in: LoginRequiredMixin


class AccountHomeView(CustomerAreaMixin, TemplateView):
    """The customer's overview: the panels the modules add, then the menu's links."""

    template_name = "account/home.html"

    def get_context_data(self, **kwargs):
        panels = []
        for panel in plugins.account_home_panels:
            context = panel.get_context(self.request)
            if context is None:
                continue
            panels.append(
                {
                    "panel": panel,
                    "html": render_to_string(
                        panel.template_name, context, request=self.request
                    ),
                }
            )
        return {
            **super().get_context_data(**kwargs),
            "customer": self.customer,
            "panels": panels,
        }


def language_remember(request: HttpRequest, language: str) -> None:
    """The language switcher's choice becomes the customer's preferred language.

    Staff logged in as the customer change only their own view (the cookie), not
    the customer's data.
    """
    customer = getattr(request.user, "customer", None)
    if customer is None or is_impersonating(request):
        return
    customer_profile_update(customer=customer, actor=request.user, language=language)
