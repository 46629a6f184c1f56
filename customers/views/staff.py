"""Backoffice pages of the customers app: the list and the customer card."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView

from core.mixins import StaffRequiredMixin
from core.tables import PAGE_SIZES, paginate
from customers import selectors, services
from customers.filters import CustomerFilterSet
from customers.forms.list import BulkActionForm
from customers.forms.profile import CustomerPersonalForm
from customers.models import Customer
from customers.tables import customer_table_class
from customers.views.bulk_support import bulk_context


class CustomerListView(StaffRequiredMixin, TemplateView):
    permission_required = "customers.view_customer"
    template_name = "customers/customer_list.html"
    # The bound bulk-action form, when it comes back with errors.
    bulk_form: BulkActionForm | None = None

    def get_context_data(self, **kwargs):
        user = self.request.user
        filterset = CustomerFilterSet(
            self.request.GET,
            queryset=selectors.customer_list_queryset(user),
            user=user,
        )
        bulk = bulk_context(self.request, filterset, self.bulk_form)
        table_class = customer_table_class(user)
        table = table_class(
            filterset.qs if filterset.is_valid() else Customer.objects.none(),
            order_by=self.request.GET.get("sort") or None,
            exclude=() if bulk["bulk_form"] else ("selected",),
            selected_ids=self.request.POST.getlist("selected"),
        )
        paginate(table, self.request)
        return {
            **super().get_context_data(**kwargs),
            **bulk,
            "filter": filterset,
            "table": table,
            "page_sizes": PAGE_SIZES,
            "title": _("Customers"),
        }


class CustomerCardMixin(StaffRequiredMixin):
    """A page of the customer card: loads the customer, its tabs and its sidebar."""

    permission_required: str | tuple[str, ...] = "customers.view_customer"
    tab_key = ""

    def get_customer(self) -> Customer:
        if not hasattr(self, "_customer"):
            self._customer = get_object_or_404(
                Customer.objects.select_related("user"), pk=self.kwargs["pk"]
            )
        return self._customer

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            **card_context(self.request, self.get_customer(), self.tab_key),
        }


def card_context(request, customer: Customer, active_tab: str) -> dict:
    """What every page of the card shows around its tab (offered to the other apps
    through ``core.plugins.customer_card_pages``)."""
    user = request.user
    return {
        "customer": customer,
        "tabs": selectors.customer_tabs(user),
        "active_tab": active_tab,
        "sidebar": selectors.customer_sidebar(user, customer),
        "title": str(customer),
    }


class CustomerCreateView(StaffRequiredMixin, FormView):
    permission_required = ("customers.view_customer", "customers.add_customer")
    template_name = "customers/customer_form.html"
    form_class = CustomerPersonalForm
    extra_context = {"title": _("New customer")}

    def form_valid(self, form):
        try:
            customer = services.customer_create(**form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The customer was created."))
        return redirect("customers:card", pk=customer.pk)


class CustomerCardView(CustomerCardMixin, FormView):
    """The Personal data tab: read for everyone on staff, edited with the permission."""

    template_name = "customers/card_personal.html"
    tab_key = "personal"
    form_class = CustomerPersonalForm

    def get_form_kwargs(self):
        customer = self.get_customer()
        return {
            **super().get_form_kwargs(),
            "instance": customer,
            # Shown read-only to whoever may not change it; the service refuses a
            # post that changes it anyway.
            "email_locked": not services.login_email_change_allowed(
                customer=customer, actor=self.request.user
            ),
        }

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("customers.change_customer"):
            raise PermissionDenied
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            services.customer_update(
                customer=self.get_customer(),
                actor=self.request.user,
                **form.changes(),
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The personal data were saved."))
        return redirect("customers:card", pk=self.get_customer().pk)
