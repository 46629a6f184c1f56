"""Backoffice pages of the selling app: products, orders, the card's Orders tab,
the module's settings. Each view wires one form to one service."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from core.mixins import StaffRequiredMixin
from core.tables import PAGE_SIZES, paginate
from customers.views.staff import CustomerCardMixin
from selling import services
from selling.filters import OrderFilterSet, ProductFilterSet
from selling.forms.staff import (
    CancelForm,
    MarkPaidForm,
    ProductForm,
    RefundForm,
    SellingSettingsForm,
)
from selling.models import Order, Product, SellingSettings
from selling.services.catalog import product_save, selling_settings_save
from selling.tables import CustomerOrderTable, OrderTable, ProductTable

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

VIEW_ORDER = "selling.view_order"
MANAGE_ORDER = (VIEW_ORDER, "selling.manage_order")


def _add_service_error(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, field_errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(None, error)


# --- Products ---


class ProductListView(StaffRequiredMixin, TemplateView):
    permission_required = "selling.view_product"
    template_name = "selling/staff/product_list.html"

    def get_context_data(self, **kwargs):
        filterset = ProductFilterSet(self.request.GET, queryset=Product.objects.all())
        table = ProductTable(
            filterset.qs if filterset.is_valid() else Product.objects.none(),
            order_by=self.request.GET.get("sort") or None,
            can_edit=self.request.user.has_perm("selling.change_product"),
        )
        paginate(table, self.request)
        return {
            **super().get_context_data(**kwargs),
            "filter": filterset,
            "table": table,
            "page_sizes": PAGE_SIZES,
            "title": _("Products"),
        }


class ProductFormView(StaffRequiredMixin, TemplateView):
    """Creates a product, or changes one; a product is deactivated, never deleted."""

    template_name = "selling/staff/product_form.html"

    def get_product(self) -> Product | None:
        return None

    def get_context_data(self, **kwargs):
        product = self.get_product()
        return {
            **super().get_context_data(**kwargs),
            "product": product,
            "form": kwargs.get("form") or ProductForm(instance=product),
            "title": _("Product “%(name)s”") % {"name": product.name}
            if product
            else _("New product"),
        }

    def post(self, request, *args, **kwargs):
        product = self.get_product()
        form = ProductForm(request.POST, instance=product)
        if form.is_valid():
            try:
                saved = product_save(product=product, **form.cleaned_data)
            except ValidationError as error:
                _add_service_error(form, error)
            else:
                messages.success(
                    request,
                    _("The product was saved.")
                    if product
                    else _("The product was created."),
                )
                return redirect("selling:staff_product_edit", pk=saved.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ProductCreateView(ProductFormView):
    permission_required = ("selling.view_product", "selling.add_product")


class ProductEditView(ProductFormView):
    permission_required = ("selling.view_product", "selling.change_product")

    def get_product(self) -> Product:
        if not hasattr(self, "_product"):
            self._product = get_object_or_404(Product, pk=self.kwargs["pk"])
        return self._product


# --- Orders ---


class OrderListView(StaffRequiredMixin, TemplateView):
    """Every order, filtered; newest first, or pending ones first."""

    permission_required = VIEW_ORDER
    template_name = "selling/staff/order_list.html"

    def get_context_data(self, **kwargs):
        filterset = OrderFilterSet(
            self.request.GET, queryset=Order.objects.select_related("customer")
        )
        table = OrderTable(
            filterset.qs if filterset.is_valid() else Order.objects.none()
        )
        paginate(table, self.request)
        return {
            **super().get_context_data(**kwargs),
            "filter": filterset,
            "table": table,
            "page_sizes": PAGE_SIZES,
            "title": _("Orders"),
        }


class OrderDetailView(StaffRequiredMixin, TemplateView):
    """The order, its lines and amounts, and what staff may do with it now."""

    permission_required: str | tuple[str, ...] = VIEW_ORDER
    template_name = "selling/staff/order_detail.html"

    def get_order(self) -> Order:
        if not hasattr(self, "_order"):
            self._order = get_object_or_404(
                Order.objects.select_related("customer", "placed_by").prefetch_related(
                    "lines"
                ),
                pk=self.kwargs["pk"],
            )
        return self._order

    def get_context_data(self, **kwargs):
        order = self.get_order()
        failed = kwargs.pop("failed_action", "")
        return {
            **super().get_context_data(**kwargs),
            "order": order,
            "lines": list(order.lines.all()),
            "can_manage": self.request.user.has_perm("selling.manage_order"),
            "can_see_customer": self.request.user.has_perm("customers.view_customer"),
            "is_pending": order.status == Order.Status.PENDING,
            "is_paid": order.status == Order.Status.PAID,
            "failed_action": failed,
            "mark_paid_form": kwargs.pop("mark_paid_form", None) or MarkPaidForm(),
            "cancel_form": kwargs.pop("cancel_form", None) or CancelForm(),
            "refund_form": kwargs.pop("refund_form", None) or RefundForm(),
            "title": _("Order %(number)s") % {"number": order.number},
        }


class OrderActionView(OrderDetailView):
    """One change of an order's state, posted from the order page's confirmation form.

    A refusal of the service (a cancelled order cannot be paid, the balance no longer
    covers the discount) is shown as a message and changes nothing; asking for a
    change that already happened says so.
    """

    http_method_names = ["post"]
    permission_required = MANAGE_ORDER
    action = ""
    form_class: type = MarkPaidForm
    done_field = ""
    done_message: str | StrPromise = ""
    already_message: str | StrPromise = ""

    def run(self, order: Order, data: dict) -> Order:
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        order = self.get_order()
        form = self.form_class(request.POST)
        if not form.is_valid():
            return self.render_to_response(
                self.get_context_data(
                    **{f"{self.action}_form": form, "failed_action": self.action}
                ),
                status=400,
            )
        started = timezone.now()
        try:
            changed = self.run(order, form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            done_at = getattr(changed, self.done_field)
            if done_at is not None and done_at < started:
                messages.info(request, self.already_message)
            else:
                messages.success(request, self.done_message)
        return redirect("selling:staff_order", pk=order.pk)


class OrderMarkPaidView(OrderActionView):
    action = "mark_paid"
    form_class = MarkPaidForm
    done_field = "paid_at"
    done_message = gettext_lazy("The order was marked as paid.")
    already_message = gettext_lazy("This order was already paid: nothing changed.")

    def run(self, order, data):
        return services.order_confirm_payment(
            order_id=order.pk,
            reference=data["payment_reference"],
            user=self.request.user,
        )


class OrderCancelView(OrderActionView):
    action = "cancel"
    form_class = CancelForm
    done_field = "cancelled_at"
    done_message = gettext_lazy("The order was cancelled.")
    already_message = gettext_lazy("This order was already cancelled: nothing changed.")

    def run(self, order, data):
        return services.order_cancel(
            order_id=order.pk, reason=data["reason"], user=self.request.user
        )


class OrderRefundView(OrderActionView):
    action = "refund"
    form_class = RefundForm
    done_field = "refunded_at"
    done_message = gettext_lazy("The order was refunded.")
    already_message = gettext_lazy("This order was already refunded: nothing changed.")

    def run(self, order, data):
        return services.order_refund(
            order_id=order.pk, reason=data["reason"], user=self.request.user
        )


# --- The customer card's Orders tab ---


class CustomerOrdersTabView(CustomerCardMixin, TemplateView):
    template_name = "selling/staff/customer_orders.html"
    tab_key = "orders"
    permission_required = ("customers.view_customer", VIEW_ORDER)

    def get_context_data(self, **kwargs):
        customer = self.get_customer()
        table = CustomerOrderTable(Order.objects.filter(customer=customer))
        paginate(table, self.request)
        return {**super().get_context_data(**kwargs), "table": table}


# --- Settings ---


class SellingSettingsView(StaffRequiredMixin, TemplateView):
    template_name = "selling/staff/settings.html"
    permission_required = "selling.change_sellingsettings"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "form": kwargs.get("form")
            or SellingSettingsForm(instance=SellingSettings.load()),
            "title": _("Selling"),
        }

    def post(self, request, *args, **kwargs):
        form = SellingSettingsForm(request.POST, instance=SellingSettings.load())
        if form.is_valid():
            selling_settings_save(**form.cleaned_data)
            messages.success(request, _("The settings were saved."))
            return redirect("selling:staff_settings")
        return self.render_to_response(self.get_context_data(form=form), status=400)
