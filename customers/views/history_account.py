"""The customer area's own pages: profile, e-mail, addresses, newsletters, password,
support requests, and the push-device JSON endpoint.

A customer only ever reaches their own rows: every lookup is scoped to
``self.customer``, so another customer's ids answer 404.

While staff are logged in as the customer, every write names the staff member
(``acting_user``) and the timeline says "by Ana (staff) as the customer"; consent
(newsletters) and push devices are the person's own and are refused.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView, View

from core.cookies import language_cookie_set
from core.impersonation import (
    FORBIDDEN_MESSAGE,
    ForbidWhileImpersonatingMixin,
    acting_user,
    is_impersonating,
)
from core.json_api import JsonApiMixin, json_error
from customers.forms.history import PushDeviceForm, SupportRequestForm
from customers.forms.history_account import (
    BillingForm,
    EmailChangeForm,
    NewslettersForm,
    ProfileForm,
    ShippingAddressForm,
)
from customers.models import PushDevice, ShippingAddress, Subscription, SupportRequest
from customers.services import billing, history_account
from customers.services import history as history_services
from customers.views.account import CustomerAreaMixin


class ProfileView(CustomerAreaMixin, FormView):
    template_name = "account/history_profile.html"
    form_class = ProfileForm
    extra_context = {"title": _("Profile")}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.customer}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "customer": self.customer}

    def form_valid(self, form):
        try:
            customer = history_account.customer_profile_update(
                customer=self.customer,
                actor=acting_user(self.request),
                **form.cleaned_data,
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Your profile was saved."))
        response = redirect("account:profile")
        if "language" in form.changed_data:
            # The page speaks the newly preferred language from now on.
            language_cookie_set(response, customer.language)
        return response


class EmailChangeView(ForbidWhileImpersonatingMixin, CustomerAreaMixin, FormView):
    template_name = "account/history_email.html"
    form_class = EmailChangeForm
    extra_context = {"title": _("Change your e-mail address")}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "customer": self.customer}

    def form_valid(self, form):
        try:
            history_account.customer_email_change(
                customer=self.customer,
                email=form.cleaned_data["email"],
                current_password=form.cleaned_data["current_password"],
                site_url=self.request.build_absolute_uri("/"),
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _(
                "Your e-mail address was changed. We sent a message to the new "
                "address: open its link to confirm it."
            ),
        )
        return redirect("account:profile")


class AddressesView(CustomerAreaMixin, FormView):
    """Billing data (the form) and the list of shipping addresses."""

    template_name = "account/history_addresses.html"
    form_class = BillingForm
    extra_context = {"title": _("Addresses")}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.customer}

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "addresses": ShippingAddress.objects.filter(customer=self.customer),
        }

    def form_valid(self, form):
        try:
            billing.customer_billing_update(
                customer=self.customer,
                actor=acting_user(self.request),
                **{name: form.cleaned_data[name] for name in form.changed_data},
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Your billing data were saved."))
        return redirect("account:addresses")


class AddressMixin(CustomerAreaMixin):
    def get_address(self) -> ShippingAddress:
        return get_object_or_404(
            ShippingAddress, pk=self.kwargs["address_pk"], customer=self.customer
        )


class AddressCreateView(CustomerAreaMixin, FormView):
    template_name = "account/history_address_form.html"
    form_class = ShippingAddressForm
    extra_context = {"title": _("New shipping address")}

    def form_valid(self, form):
        try:
            billing.shipping_address_create(
                customer=self.customer,
                actor=acting_user(self.request),
                **form.cleaned_data,
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The address was added."))
        return redirect("account:addresses")


class AddressUpdateView(AddressMixin, FormView):
    template_name = "account/history_address_form.html"
    form_class = ShippingAddressForm
    extra_context = {"title": _("Edit the shipping address")}

    def get_form_kwargs(self):
        address = self.get_address()
        return {
            **super().get_form_kwargs(),
            "instance": address,
            "initial": {"make_default": address.is_default},
        }

    def form_valid(self, form):
        try:
            billing.shipping_address_update(
                shipping_address=ShippingAddress.objects.get(pk=form.instance.pk),
                actor=acting_user(self.request),
                **form.cleaned_data,
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The address was saved."))
        return redirect("account:addresses")


class AddressDeleteView(AddressMixin, TemplateView):
    template_name = "account/history_address_delete.html"
    extra_context = {"title": _("Delete the address")}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "address": self.get_address()}

    def post(self, request, *args, **kwargs):
        billing.shipping_address_delete(
            shipping_address=self.get_address(), actor=acting_user(request)
        )
        messages.success(request, _("The address was deleted."))
        return redirect("account:addresses")


class AddressDefaultView(AddressMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        billing.shipping_address_set_default(
            shipping_address=self.get_address(), actor=acting_user(request)
        )
        messages.success(request, _("This is now your default shipping address."))
        return redirect("account:addresses")


class NewslettersView(ForbidWhileImpersonatingMixin, CustomerAreaMixin, FormView):
    """Consent is the person's own: refused while staff are logged in as them."""

    template_name = "account/history_newsletters.html"
    form_class = NewslettersForm
    extra_context = {"title": _("Newsletters")}

    def get_initial(self):
        return {
            "newsletter_subscribed": self.customer.newsletter_subscribed,
            "newsletter_lists": list(
                Subscription.objects.filter(
                    customer=self.customer,
                    unsubscribed_at__isnull=True,
                    newsletter_list__archived=False,
                ).values_list("newsletter_list_id", flat=True)
            ),
        }

    def form_valid(self, form):
        try:
            history_account.customer_newsletters_choose(
                customer=self.customer,
                newsletter_lists=form.cleaned_data["newsletter_lists"],
                newsletter_subscribed=form.cleaned_data["newsletter_subscribed"],
                actor=self.request.user,  # never staff: refused while impersonating
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Your newsletter choices were saved."))
        return redirect("account:newsletters")


class PasswordView(ForbidWhileImpersonatingMixin, CustomerAreaMixin, FormView):
    template_name = "account/history_password.html"
    form_class = PasswordChangeForm
    extra_context = {"title": _("Password")}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        try:
            user = history_account.customer_password_change(
                customer=self.customer, password=form.cleaned_data["new_password1"]
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        # The other sessions end; this one goes on.
        update_session_auth_hash(self.request, user)
        messages.success(self.request, _("Your password was changed."))
        return redirect("account:password")


class SupportView(CustomerAreaMixin, FormView):
    """The contact form and the customer's past requests."""

    template_name = "account/history_support.html"
    form_class = SupportRequestForm
    extra_context = {"title": _("Support")}

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "support_requests": SupportRequest.objects.filter(customer=self.customer),
        }

    def form_valid(self, form):
        try:
            history_services.support_request_create(
                customer=self.customer,
                actor=acting_user(self.request),
                **form.cleaned_data,
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(
            self.request, _("Your request was sent. We will answer you soon.")
        )
        return redirect("account:support")


# --- Push devices (JSON) -------------------------------------------------------------


def _device_json(device: PushDevice) -> dict:
    return {
        "token": device.token,
        "platform": device.platform,
        "name": device.name,
        "created_at": device.created_at.isoformat(),
        "last_seen_at": device.last_seen_at.isoformat(),
    }


class PushDeviceApiMixin(JsonApiMixin):
    """JSON for a logged-in customer, with Django's session and CSRF protection.

    Send the session cookie and the CSRF token in the ``X-CSRFToken`` header (read
    it from the ``csrftoken`` cookie); without it the answer is 403. Not logged
    in: 401; logged in without a customer profile: 404. Every error is JSON. A
    device is the person's own: while staff are logged in as the customer,
    registering or removing one answers 403 (listing still works).
    """

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return json_error(_("Log in first."), 401)
        self.customer = getattr(request.user, "customer", None)
        if self.customer is None:
            return json_error(_("Not found."), 404)
        if request.method not in ("GET", "HEAD", "OPTIONS") and is_impersonating(
            request
        ):
            return json_error(FORBIDDEN_MESSAGE, 403)
        return super().dispatch(request, *args, **kwargs)


class PushDeviceCollectionApi(PushDeviceApiMixin, View):
    """GET: the customer's devices. POST {"token", "platform", "name"}: registers a
    device, or refreshes it when the token is known (200 instead of 201)."""

    http_method_names = ["get", "post"]

    def get(self, request, *args, **kwargs):
        devices = PushDevice.objects.filter(customer=self.customer)
        return JsonResponse({"devices": [_device_json(device) for device in devices]})

    def post(self, request, *args, **kwargs):
        try:
            data = json.loads(request.body or b"")
        except (json.JSONDecodeError, UnicodeDecodeError):
            return json_error(_("The body is not valid JSON."), 400)
        if not isinstance(data, dict):
            return json_error(
                _('Send a JSON object: {"token": …, "platform": …, "name": …}.'), 400
            )
        form = PushDeviceForm(data)
        if not form.is_valid():
            errors = {field: list(messages) for field, messages in form.errors.items()}
            first = next(iter(errors.values()))[0]
            return json_error(first, 400, errors)
        try:
            device, created = history_services.push_device_register(
                customer=self.customer, **form.cleaned_data
            )
        except ValidationError as error:
            if getattr(error, "code", None) != "token_taken":
                return json_error(error.messages[0], 400)
            # Another customer's device: it stays theirs, and the answer is that of
            # a new device, so the API tells nobody which tokens are in use.
            now = timezone.now()
            device = PushDevice(
                customer=self.customer,
                **form.cleaned_data,
                created_at=now,
                last_seen_at=now,
            )
            created = True
        return JsonResponse(_device_json(device), status=201 if created else 200)


class PushDeviceDetailApi(PushDeviceApiMixin, View):
    """DELETE: removes one of the customer's devices (another's token: 404)."""

    http_method_names = ["delete"]

    def delete(self, request, *args, **kwargs):
        device = PushDevice.objects.filter(
            customer=self.customer, token=self.kwargs["token"]
        ).first()
        if device is None:
            return json_error(_("No such device."), 404)
        history_services.push_device_remove(device=device)
        return HttpResponse(status=204)
