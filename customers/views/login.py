"""Login and access: the card's tab and sidebar actions, impersonation, sign-up and
the e-mail confirmation link."""

import json

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import (
    ImproperlyConfigured,
    PermissionDenied,
    ValidationError,
)
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView, TemplateView

from core import plugins
from core.cookies import language_cookie_set
from core.devices import device_describe
from core.impersonation import (
    ForbidWhileImpersonatingMixin,
    impersonation_begin,
    impersonation_finish,
    impersonation_forbidden_response,
    impersonator,
    is_impersonating,
)
from core.mixins import StaffRequiredMixin
from core.services import supported_language
from customers import selectors
from customers.forms.login import LoginPasswordForm, NonceForm, SignupForm
from customers.middleware import FIRST_VISIT_COOKIE, FIRST_VISIT_SALT
from customers.models import Customer
from customers.services import login as services
from customers.views.staff import CustomerCardMixin

CHANGE = ("customers.view_customer", "customers.change_customer")
# Setting a password, enabling a login and sending credentials each open the
# customer's account to whoever does it: their own permissions, Manager's only.
SET_PASSWORD = (*CHANGE, "customers.set_customer_password")


def _site_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _login_url(request) -> str:
    return request.build_absolute_uri(reverse("account:login"))


def _back_to(request, customer: Customer) -> str:
    """Where an action goes back to: the page it was posted from, or the tab."""
    url = request.POST.get("next", "")
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("customers:login", kwargs={"pk": customer.pk})


def _confirmation_needed_message(request, customer: Customer) -> None:
    customer.refresh_from_db(fields=["email_confirmed_at"])
    if services.login_requires_confirmation(customer):
        messages.warning(
            request,
            _(
                "The customer must confirm their e-mail address before they can "
                "log in: we e-mailed them a confirmation request."
            ),
        )


def _error_message(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


class CustomerLoginTabView(ForbidWhileImpersonatingMixin, CustomerCardMixin, FormView):
    """The "Login and access" tab: the login's state and what staff can do with it.

    Posting here sets the password by hand; the other actions post to their views.
    """

    template_name = "customers/login_tab.html"
    tab_key = "login"
    form_class = LoginPasswordForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "customer": self.get_customer()}

    def post(self, request, *args, **kwargs):
        if not request.user.has_perms(SET_PASSWORD):
            raise PermissionDenied
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        customer = self.get_customer()
        return {
            **super().get_context_data(**kwargs),
            "login_user": customer.user,
            "confirmation_required": services.login_requires_confirmation(customer),
            "credentials_form": NonceForm(),
            "confirmation_form": NonceForm(),
        }

    def form_valid(self, form):
        customer = self.get_customer()
        try:
            services.customer_login_password_set(
                customer=customer,
                password=form.cleaned_data["password"],
                actor=self.request.user,
                password_reset_url=self.request.build_absolute_uri(
                    reverse("account:password_reset")
                ),
                site_url=_site_url(self.request),
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _(
                "The password was set. The customer can log in with it and was "
                "e-mailed that staff changed their password."
            ),
        )
        return redirect("customers:login", pk=customer.pk)


class CustomerLoginActionView(ForbidWhileImpersonatingMixin, StaffRequiredMixin, View):
    """A one-click action on a customer's login (POST only)."""

    permission_required: tuple[str, ...] = CHANGE
    http_method_names = ["post"]

    def post(self, request, pk):
        customer = get_object_or_404(Customer.objects.select_related("user"), pk=pk)
        try:
            self.act(customer)
        except ValidationError as error:
            _error_message(request, error)
        return redirect(_back_to(request, customer))

    def act(self, customer: Customer) -> None:
        """What the action does: each subclass says."""
        raise ImproperlyConfigured(f"{type(self).__name__} must define act().")

    def nonce(self) -> str | None:
        form = NonceForm(self.request.POST)
        if form.is_valid():
            return form.cleaned_data["nonce"]
        messages.error(
            self.request,
            _("The form was incomplete: please reload the page and retry."),
        )
        return None


class CustomerLoginEnableView(CustomerLoginActionView):
    permission_required = (*CHANGE, "customers.enable_customer_login")

    def act(self, customer):
        enabled = services.customer_login_enable(
            customer=customer,
            actor=self.request.user,
            site_url=_site_url(self.request),
        )
        if enabled:
            messages.success(
                self.request,
                _(
                    "Login enabled. Send the credentials or set a password so the "
                    "customer can log in."
                ),
            )
            _confirmation_needed_message(self.request, customer)
        else:
            messages.info(self.request, _("The login was already enabled."))


class CustomerLoginDisableView(CustomerLoginActionView):
    def act(self, customer):
        if services.customer_login_disable(customer=customer, actor=self.request.user):
            messages.success(
                self.request,
                _("Login disabled: the customer is logged out and cannot log in."),
            )
        else:
            messages.info(self.request, _("The login was already disabled."))


class CustomerCredentialsSendView(CustomerLoginActionView):
    permission_required = (*CHANGE, "customers.send_customer_credentials")

    def act(self, customer):
        nonce = self.nonce()
        if nonce is None:
            return
        sent = services.customer_credentials_send(
            customer=customer,
            actor=self.request.user,
            request_key=nonce,
            login_url=_login_url(self.request),
            site_url=_site_url(self.request),
        )
        if sent:
            messages.success(
                self.request,
                _("A new password was generated and e-mailed to %(email)s.")
                % {"email": customer.email},
            )
            _confirmation_needed_message(self.request, customer)
        else:
            messages.info(self.request, _("These credentials were already sent."))


class CustomerConfirmationSendView(CustomerLoginActionView):
    def act(self, customer):
        nonce = self.nonce()
        if nonce is None:
            return
        sent = services.customer_confirmation_send(
            customer=customer,
            actor=self.request.user,
            request_key=nonce,
            site_url=_site_url(self.request),
        )
        if sent:
            messages.success(
                self.request,
                _("A confirmation request was e-mailed to %(email)s.")
                % {"email": customer.email},
            )
        else:
            messages.info(
                self.request, _("This confirmation request was already sent.")
            )


class CustomerImpersonateView(StaffRequiredMixin, View):
    """Staff "log in as this customer": the session becomes the customer's."""

    permission_required = ("customers.view_customer", "customers.impersonate_customer")
    http_method_names = ["post"]

    def post(self, request, pk):
        customer = get_object_or_404(Customer.objects.select_related("user"), pk=pk)
        try:
            user = services.customer_impersonation_start(
                customer=customer, staff=request.user
            )
        except ValidationError as error:
            _error_message(request, error)
            return redirect("customers:card", pk=customer.pk)
        impersonation_begin(request, user=user)
        return redirect("account:home")


class ImpersonationEndView(View):
    """The banner's "return to the backoffice": back to the staff member's session,
    on the customer's card."""

    http_method_names = ["post"]

    def post(self, request):
        if not is_impersonating(request):
            return redirect("staff:dashboard")
        staff = impersonator(request)
        customer = getattr(request.user, "customer", None)
        if customer is not None:
            services.customer_impersonation_end(customer=customer, staff=staff)
        if impersonation_finish(request) is None:
            return redirect("staff:login")
        if customer is None:
            return redirect("staff:dashboard")
        messages.info(
            request,
            _("You are back in the backoffice as %(name)s.") % {"name": request.user},
        )
        return redirect("customers:card", pk=customer.pk)


def origin_from_request(request) -> dict:
    """The UTM parameters and referrer of the visitor's first visit (see
    FirstVisitMiddleware)."""
    raw = request.get_signed_cookie(
        FIRST_VISIT_COOKIE, default=None, salt=FIRST_VISIT_SALT
    )
    if not raw:
        return {}
    try:
        origin = json.loads(raw)
    except ValueError:
        return {}
    return origin if isinstance(origin, dict) else {}


class SignupView(FormView):
    """A visitor creates their account (when sign-up is switched on)."""

    template_name = "account/login_signup.html"
    form_class = SignupForm

    def dispatch(self, request, *args, **kwargs):
        if is_impersonating(request):
            return impersonation_forbidden_response(request)
        if not settings.CLIENTELA_SIGNUP_ENABLED:
            raise Http404
        if request.user.is_authenticated:
            return redirect("account:home")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            customer = services.customer_signup(
                email=data["email"],
                password=data["password"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                language=data["language"],
                newsletter=data["newsletter"],
                origin=origin_from_request(self.request),
                user_agent=self.request.headers.get("user-agent", ""),
                site_url=_site_url(self.request),
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        if customer is not None:
            # Where the new customer came from (a referral link's cookie).
            plugins.visitor_attribute(self.request, customer, "signup")
        # The same answer whether the address was new or already had an account
        # (whose owner was e-mailed instead): sign-up tells nobody who has one.
        # It is given in the language just chosen, whatever the browser asks for.
        response = redirect("account:signup_done")
        language_cookie_set(response, supported_language(data["language"]))
        return response


class SignupDoneView(TemplateView):
    """After sign-up: "check your inbox", whatever happened to the address."""

    template_name = "account/login_signup_done.html"

    def dispatch(self, request, *args, **kwargs):
        if not settings.CLIENTELA_SIGNUP_ENABLED:
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class EmailConfirmView(ForbidWhileImpersonatingMixin, View):
    """The link in the confirmation e-mail: works logged in or not.

    Opening the link shows a "Confirm" button; only pressing it (a POST) confirms,
    so a mail scanner or a link preview that opens the link confirms nothing. Only
    the mailbox's owner confirms: refused while staff are logged in as a customer.
    """

    template_name = "account/login_email_confirm.html"

    def _refused(self, error: ValidationError):
        return render(
            self.request, self.template_name, {"error": error.messages[0]}, status=400
        )

    def get(self, request, token):
        try:
            customer = services.email_confirmation_customer(token)
        except ValidationError as error:
            return self._refused(error)
        if customer.email_confirmed_at is not None:
            return render(request, self.template_name, {"confirmed": customer})
        return render(request, self.template_name, {"to_confirm": customer})

    def post(self, request, token):
        try:
            customer = services.customer_email_confirm(
                token=token, login_url=_login_url(request)
            )
        except ValidationError as error:
            return self._refused(error)
        return render(request, self.template_name, {"confirmed": customer})


# The card's sidebar figures (registered in customers/apps.py).


def sidebar_last_action(customer: Customer):
    latest = selectors.customer_last_activity(customer)
    if latest is None:
        return "—"
    when, title = latest
    return format_html(
        "{}<br><small>{}</small>",
        title,
        formats.date_format(timezone.localtime(when), "SHORT_DATETIME_FORMAT"),
    )


def _device(user_agent: str):
    """The browser and system by name; the raw header stays in the tooltip."""
    if not user_agent:
        return ""
    return format_html(
        '<span title="{}">{}</span>', user_agent, device_describe(user_agent)
    )


def _source_label(source: str) -> str:
    """The sources the product itself records, by name; others as stored."""
    labels = {
        "signup": _("Sign-up"),
        "import": _("CSV import"),
        "api": _("API"),
    }
    return str(labels.get(source, source))


def sidebar_origin(customer: Customer):
    parts = [
        (_("Source"), _source_label(customer.source)),
        (_("UTM source"), customer.utm_source),
        (_("UTM medium"), customer.utm_medium),
        (_("UTM campaign"), customer.utm_campaign),
        (_("UTM term"), customer.utm_term),
        (_("UTM content"), customer.utm_content),
        (_("Referrer"), customer.referrer),
        (_("Device"), _device(customer.registration_user_agent)),
    ]
    shown = [(label, value) for label, value in parts if value]
    if not shown:
        return "—"
    return format_html(
        '<span class="origin">{}</span>',
        format_html_join("", '<span class="origin-item"><b>{}:</b> {}</span>', shown),
    )
