"""The card's Billing and shipping tab, and the avatar on the Personal data tab."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from core.middleware import upload_allowance
from customers.forms.list import AvatarForm, BillingForm, ShippingAddressForm
from customers.models import ShippingAddress
from customers.services import avatar as avatar_services
from customers.services import billing
from customers.views.bulk_support import add_service_error
from customers.views.staff import CustomerCardMixin, CustomerCardView

CHANGE = ("customers.view_customer", "customers.change_customer")


class CustomerBillingView(CustomerCardMixin, TemplateView):
    """Billing data (edited in place) and the shipping addresses."""

    template_name = "customers/list_billing.html"
    tab_key = "billing"

    def get_context_data(self, **kwargs):
        customer = self.get_customer()
        return {
            **super().get_context_data(**kwargs),
            "form": kwargs.get("form") or BillingForm(instance=customer),
            "addresses": list(customer.shipping_addresses.all()),
        }

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("customers.change_customer"):
            raise PermissionDenied
        customer = self.get_customer()
        form = BillingForm(request.POST, instance=customer)
        if form.is_valid():
            try:
                billing.customer_billing_update(
                    customer=customer,
                    **{name: form.cleaned_data[name] for name in form.changed_data},
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("The billing data were saved."))
                return redirect("customers:billing", pk=customer.pk)
        # The form changed the instance while validating: show the stored data.
        del self._customer
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ShippingAddressMixin(CustomerCardMixin):
    """Pages and actions on one shipping address of the customer in the URL."""

    tab_key = "billing"
    permission_required = CHANGE

    def get_address(self) -> ShippingAddress | None:
        if "address_pk" not in self.kwargs:
            return None
        return get_object_or_404(
            ShippingAddress, pk=self.kwargs["address_pk"], customer=self.get_customer()
        )

    def done(self):
        return redirect("customers:billing", pk=self.get_customer().pk)


class ShippingAddressFormView(ShippingAddressMixin, TemplateView):
    """Adds an address (no ``address_pk``) or edits one."""

    template_name = "customers/list_shipping_form.html"

    def get_context_data(self, **kwargs):
        address = self.get_address()
        form = kwargs.pop("form", None) or ShippingAddressForm(
            instance=address,
            initial={"make_default": address.is_default if address else False},
        )
        return {
            **super().get_context_data(**kwargs),
            "form": form,
            "address": address,
        }

    def post(self, request, *args, **kwargs):
        address = self.get_address()
        form = ShippingAddressForm(request.POST, instance=address)
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in billing.SHIPPING_FIELDS}
            make_default = form.cleaned_data["make_default"]
            try:
                if address is None:
                    billing.shipping_address_create(
                        customer=self.get_customer(),
                        make_default=make_default,
                        **fields,
                    )
                else:
                    billing.shipping_address_update(
                        shipping_address=ShippingAddress.objects.get(pk=address.pk),
                        make_default=make_default,
                        **fields,
                    )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("The shipping address was saved."))
                return self.done()
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ShippingAddressDefaultView(ShippingAddressMixin, TemplateView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        billing.shipping_address_set_default(shipping_address=self.get_address())
        messages.success(request, _("The default shipping address was changed."))
        return self.done()


class ShippingAddressDeleteView(ShippingAddressMixin, TemplateView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        billing.shipping_address_delete(shipping_address=self.get_address())
        messages.success(request, _("The shipping address was deleted."))
        return self.done()


class CustomerAvatarView(CustomerCardView):
    """Uploads the avatar; a refused file shows the Personal data tab with the error."""

    http_method_names = ["post"]
    permission_required = CHANGE
    request_body_max_bytes = upload_allowance(avatar_services.AVATAR_MAX_BYTES)

    def get_form_kwargs(self):
        # The personal data form is shown as stored, not bound to this upload.
        return {"instance": self.get_customer(), "prefix": self.get_prefix()}

    def post(self, request, *args, **kwargs):
        form = AvatarForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                avatar_services.customer_avatar_set(
                    customer=self.get_customer(),
                    image=form.cleaned_data["avatar"],
                    actor=request.user,
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("The avatar was saved."))
                return redirect("customers:card", pk=self.get_customer().pk)
        return self.render_to_response(
            self.get_context_data(avatar_form=form), status=400
        )


class CustomerAvatarRemoveView(CustomerCardMixin, TemplateView):
    http_method_names = ["post"]
    permission_required = CHANGE

    def post(self, request, *args, **kwargs):
        avatar_services.customer_avatar_remove(
            customer=self.get_customer(), actor=request.user
        )
        messages.success(request, _("The avatar was removed."))
        return redirect("customers:card", pk=self.get_customer().pk)


class CustomerAvatarThumbnailView(CustomerCardMixin, TemplateView):
    """The avatar's thumbnail, for staff only (customer pictures are not public)."""

    http_method_names = ["get", "head"]

    def get(self, request, *args, **kwargs):
        thumbnail = self.get_customer().avatar_thumbnail
        if not thumbnail:
            raise Http404
        try:
            file = thumbnail.open("rb")
        except FileNotFoundError as error:
            raise Http404 from error
        response = FileResponse(file, content_type="image/jpeg")
        response["Cache-Control"] = "private, max-age=86400"
        return response
