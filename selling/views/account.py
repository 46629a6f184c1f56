"""The customer area's shop, cart, checkout and "My orders".

Each view wires one form to one service of ``selling.services`` and shows the
service's refusal (a ``ValidationError``) as a message or a form error; nothing
changes when it refuses. Placing and cancelling an order move money on the
balance, so, like withdrawals, they are refused while staff impersonate.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView
from django.views.generic.base import TemplateResponseMixin

from core import plugins
from core.impersonation import (
    FORBIDDEN_MESSAGE,
    ForbidWhileImpersonatingMixin,
    acting_user,
    is_impersonating,
)
from core.money import money_format
from customers.views.account import CustomerAreaMixin
from selling.forms.account import (
    CartAddForm,
    CartLineQuantityForm,
    CheckoutDiscountForm,
    CheckoutPlaceForm,
)
from selling.models import Order, Product
from selling.payments import payment_method_get, payment_methods_available
from selling.services import (
    cart_add,
    cart_discount_set,
    cart_line_remove,
    cart_line_set_quantity,
    cart_summary,
    order_cancel,
    order_place,
)

ORDERS_PAGE_SIZE = 20


def _errors_message(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _form_errors_message(request, form) -> None:
    for errors in form.errors.values():
        for message in errors:
            messages.error(request, message)


def _form_errors_add(form, error: ValidationError, field: str | None = None) -> None:
    """A service's refusal shown next to ``field``, or above the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(field, error)


def _cart_count(summary) -> int:
    return sum(line.quantity for line in summary.lines)


class ShopView(CustomerAreaMixin, TemplateView):
    template_name = "selling/account/shop.html"

    def get_context_data(self, **kwargs):
        summary = cart_summary(self.customer)
        return {
            **super().get_context_data(**kwargs),
            "products": Product.objects.filter(is_active=True),
            "cart_count": _cart_count(summary),
        }


class CartAddView(CustomerAreaMixin, View):
    http_method_names = ["post"]

    def post(self, request):
        form = CartAddForm(request.POST)
        if not form.is_valid():
            _form_errors_message(request, form)
            return redirect("selling:account_shop")
        try:
            line = cart_add(
                customer=self.customer,
                product_id=form.cleaned_data["product"],
                quantity=form.cleaned_data["quantity"],
                actor=acting_user(request),
            )
        except ValidationError as error:
            _errors_message(request, error)
            return redirect("selling:account_shop")
        messages.success(
            request,
            _("“%(name)s” was added to your cart.")
            % {"name": line.product.localized_name},
        )
        return redirect("selling:account_cart")


class CartView(CustomerAreaMixin, TemplateView):
    template_name = "selling/account/cart.html"

    def get_context_data(self, **kwargs):
        summary = cart_summary(self.customer)
        return {
            **super().get_context_data(**kwargs),
            "summary": summary,
            "cart_count": _cart_count(summary),
        }


class CartLineView(CustomerAreaMixin, View):
    """Changes a line's quantity; a line of another cart is "not in your cart"."""

    http_method_names = ["post"]

    def post(self, request, pk):
        form = CartLineQuantityForm(request.POST)
        if not form.is_valid():
            _form_errors_message(request, form)
            return redirect("selling:account_cart")
        try:
            cart_line_set_quantity(
                customer=self.customer,
                line_id=pk,
                quantity=form.cleaned_data["quantity"],
                actor=acting_user(request),
            )
        except ValidationError as error:
            _errors_message(request, error)
        else:
            messages.success(request, _("The quantity was updated."))
        return redirect("selling:account_cart")


class CartLineRemoveView(CustomerAreaMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        try:
            cart_line_remove(
                customer=self.customer, line_id=pk, actor=acting_user(request)
            )
        except ValidationError as error:
            _errors_message(request, error)
        else:
            messages.success(request, _("The product was removed from your cart."))
        return redirect("selling:account_cart")


class CheckoutPageMixin(CustomerAreaMixin, TemplateResponseMixin):
    """The checkout page, shown again with the errors of whichever form failed."""

    template_name = "selling/account/checkout.html"

    def checkout_context(self, *, discount_form=None, place_form=None) -> dict:
        summary = cart_summary(self.customer)
        methods = payment_methods_available(summary.total_due)
        chosen = summary.cart.balance_discount
        if discount_form is None:
            # The one amount field offers the most that can be used; the summary
            # shows what is applied now.
            discount_form = CheckoutDiscountForm(
                initial={
                    "amount": summary.offer.largest_discount if summary.offer else 0
                }
            )
        if place_form is None:
            place_form = CheckoutPlaceForm()
        return {
            "summary": summary,
            "cart_count": _cart_count(summary),
            "offer": summary.offer,
            # The chosen discount is more than can be used now (balance, settings).
            "discount_outdated": chosen > summary.balance_discount,
            "chosen_discount": chosen,
            "discount_form": discount_form,
            "place_form": place_form,
            "methods": methods,
            "impersonating": is_impersonating(self.request),
            "impersonation_message": FORBIDDEN_MESSAGE,
        }

    def render_checkout(self, **forms):
        return self.render_to_response(self.checkout_context(**forms))


class CheckoutView(CheckoutPageMixin, View):
    def get(self, request):
        return self.render_checkout()


class CheckoutDiscountView(CheckoutPageMixin, View):
    """Applies, lowers or removes (amount 0) the balance discount."""

    http_method_names = ["post"]

    def post(self, request):
        if "remove" in request.POST:
            form = CheckoutDiscountForm({"amount": "0"})
        else:
            form = CheckoutDiscountForm(request.POST)
        if not form.is_valid():
            return self.render_checkout(discount_form=form)
        try:
            amount = cart_discount_set(
                customer=self.customer,
                amount=form.cleaned_data["amount"],
                actor=acting_user(request),
            )
        except ValidationError as error:
            _form_errors_add(form, error, "amount")
            return self.render_checkout(discount_form=form)
        if amount:
            messages.success(
                request,
                _("%(amount)s of your balance will pay for this order.")
                % {"amount": money_format(amount)},
            )
        else:
            messages.success(request, _("The balance discount was removed."))
        return redirect("selling:account_checkout")


class CheckoutPlaceView(ForbidWhileImpersonatingMixin, CheckoutPageMixin, View):
    """Places the order; the form's nonce makes a double click place one order."""

    http_method_names = ["post"]

    def post(self, request):
        form = CheckoutPlaceForm(request.POST)
        if not form.is_valid():
            return self.render_checkout(place_form=form)
        # Where the customer came from (a referral link's cookie), before the order
        # is placed: an order the balance pays at once is paid inside order_place.
        plugins.visitor_attribute(request, self.customer, "order")
        try:
            order = order_place(
                customer=self.customer,
                payment_method=form.cleaned_data["payment_method"],
                idempotency_key=f"checkout:{form.cleaned_data['nonce']}",
                user=request.user,
            )
        except ValidationError as error:
            _form_errors_add(form, error)
            return self.render_checkout(place_form=form)
        if order.status == Order.Status.PAID:
            message = _("Thank you: your order %(number)s is placed and paid.")
        else:
            message = _("Thank you: your order %(number)s is placed.")
        messages.success(request, message % {"number": order.number})
        return redirect("selling:account_order", pk=order.pk)


class OrderListView(CustomerAreaMixin, TemplateView):
    template_name = "selling/account/order_list.html"

    def get_context_data(self, **kwargs):
        orders = Order.objects.filter(customer=self.customer).prefetch_related("lines")
        page = Paginator(orders, ORDERS_PAGE_SIZE).get_page(
            self.request.GET.get("page")
        )
        return {
            **super().get_context_data(**kwargs),
            "page_obj": page,
            "orders": page.object_list,
        }


class OrderDetailView(CustomerAreaMixin, TemplateView):
    template_name = "selling/account/order_detail.html"

    def get_context_data(self, **kwargs):
        order = get_object_or_404(Order, pk=self.kwargs["pk"], customer=self.customer)
        method = payment_method_get(order.payment_method)
        waits = order.status == Order.Status.PENDING
        return {
            **super().get_context_data(**kwargs),
            "order": order,
            "lines": order.lines.all(),
            "payment_method_label": method.label if method else order.payment_method,
            "instructions": method.instructions(order) if method and waits else "",
            "can_cancel": waits and not is_impersonating(self.request),
        }


class OrderCancelView(ForbidWhileImpersonatingMixin, CustomerAreaMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        order = get_object_or_404(Order, pk=pk, customer=self.customer)
        try:
            order_cancel(
                order_id=order.pk,
                reason=_("Cancelled by the customer."),
                user=request.user,
            )
        except ValidationError as error:
            _errors_message(request, error)
        else:
            messages.success(
                request,
                _("Your order %(number)s was cancelled.") % {"number": order.number},
            )
        return redirect("selling:account_order", pk=order.pk)
