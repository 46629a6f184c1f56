"""Staff pages of the expirations: the card's tab with add, edit, cancel and delete;
the report and its exports; the settings; the dashboard widgets' actions."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from core import plugins
from core.mixins import StaffRequiredMixin
from core.tables import PAGE_SIZES, paginate
from customers.models import CustomerAction
from customers.services.history import action_set_done
from customers.views.staff import CustomerCardMixin
from expirations import reports
from expirations.forms.staff import (
    CancelForm,
    ChoiceNameForm,
    ExpirationForm,
    ExpirationSettingsForm,
    ReportFilterForm,
)
from expirations.models import BankInstitute, Expiration, ExpirationSettings, Provenance
from expirations.selectors import customer_expiration_totals, customer_expirations
from expirations.services import records
from expirations.widgets import todo_today_count

VIEW = ("customers.view_customer", "expirations.view_expiration")
ADD = (*VIEW, "expirations.add_expiration")
CHANGE = (*VIEW, "expirations.change_expiration")
DELETE = (*VIEW, "expirations.delete_expiration")
REPORT = "expirations.view_expiration"
SETTINGS = "expirations.change_expirationsettings"


def _errors_to_form(form, error: ValidationError) -> None:
    """A service's rule break, shown next to the field it concerns."""
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


# --- The customer card's tab ---


class ExpirationTabView(CustomerCardMixin, TemplateView):
    """The customer's expirations with state, days left and history; totals."""

    template_name = "expirations/staff/tab.html"
    tab_key = "expirations"
    permission_required: str | tuple[str, ...] = VIEW

    def get_context_data(self, **kwargs):
        customer = self.get_customer()
        today = timezone.localdate()
        soon_days = ExpirationSettings.load().quick_renew_days
        expirations = list(customer_expirations(customer.pk))
        for expiration in expirations:
            expiration.state = expiration.state_on(today, soon_days)
            expiration.state_label = Expiration.State(expiration.state).label
            expiration.days_left_today = expiration.days_left(today)
        return {
            **super().get_context_data(**kwargs),
            "expirations": expirations,
            "totals": customer_expiration_totals(customer.pk, today=today),
            "today": today,
            "cancel_form": kwargs.get("cancel_form"),
            "cancel_expiration_id": kwargs.get("cancel_expiration_id"),
        }


class ExpirationMixin(CustomerCardMixin):
    """A page about one of the customer's expirations; another customer's is a 404."""

    tab_key = "expirations"

    def get_expiration(self) -> Expiration:
        if not hasattr(self, "_expiration"):
            self._expiration = get_object_or_404(
                Expiration.objects.select_related("product"),
                pk=self.kwargs["expiration_pk"],
                customer_id=self.get_customer().pk,
            )
        return self._expiration


class ExpirationCreateView(CustomerCardMixin, TemplateView):
    template_name = "expirations/staff/form.html"
    tab_key = "expirations"
    permission_required = ADD

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        return {
            **super().get_context_data(**kwargs),
            "form": kwargs.get("form")
            or ExpirationForm(initial={"start_date": today, "quantity": 1}),
            "heading": _("New expiration"),
        }

    def post(self, request, *args, **kwargs):
        customer = self.get_customer()
        form = ExpirationForm(request.POST)
        if form.is_valid():
            try:
                records.expiration_create(
                    customer, user=request.user, **form.record_values()
                )
            except ValidationError as error:
                _errors_to_form(form, error)
            else:
                messages.success(request, _("The expiration was added."))
                return redirect("expirations:staff_tab", pk=customer.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ExpirationUpdateView(ExpirationMixin, TemplateView):
    template_name = "expirations/staff/form.html"
    permission_required = CHANGE

    def get_context_data(self, **kwargs):
        expiration = self.get_expiration()
        return {
            **super().get_context_data(**kwargs),
            "expiration": expiration,
            "form": kwargs.get("form") or ExpirationForm(expiration=expiration),
            "heading": _("Edit “%(label)s”") % {"label": expiration.label},
        }

    def post(self, request, *args, **kwargs):
        customer = self.get_customer()
        expiration = self.get_expiration()
        form = ExpirationForm(request.POST, expiration=expiration)
        if form.is_valid():
            try:
                records.expiration_update(
                    customer,
                    expiration_id=expiration.pk,
                    user=request.user,
                    **form.record_values(),
                )
            except ValidationError as error:
                _errors_to_form(form, error)
            else:
                messages.success(request, _("The expiration was saved."))
                return redirect("expirations:staff_tab", pk=customer.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ExpirationCancelView(ExpirationMixin, ExpirationTabView):
    """Cancels an expiration (POST, with an optional reason): its history stays."""

    http_method_names = ["post"]
    permission_required = CHANGE

    def post(self, request, *args, **kwargs):
        customer = self.get_customer()
        expiration = self.get_expiration()
        form = CancelForm(request.POST)
        if form.is_valid():
            try:
                records.expiration_cancel(
                    customer,
                    expiration_id=expiration.pk,
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                _errors_to_form(form, error)
            else:
                messages.success(
                    request,
                    _("“%(label)s” was cancelled.") % {"label": expiration.label},
                )
                return redirect("expirations:staff_tab", pk=customer.pk)
        return self.render_to_response(
            self.get_context_data(cancel_form=form, cancel_expiration_id=expiration.pk),
            status=400,
        )


class ExpirationDeleteView(ExpirationMixin, TemplateView):
    """Asks for confirmation (GET), then deletes the expiration and its history."""

    template_name = "expirations/staff/delete.html"
    permission_required = DELETE

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "expiration": self.get_expiration(),
        }

    def post(self, request, *args, **kwargs):
        customer = self.get_customer()
        label = records.expiration_delete(
            customer, expiration_id=self.get_expiration().pk, user=request.user
        )
        messages.success(request, _("“%(label)s” was deleted.") % {"label": label})
        return redirect("expirations:staff_tab", pk=customer.pk)


# --- The report ---


class ReportMixin(StaffRequiredMixin):
    permission_required = REPORT

    def report_setup(self):
        """The bound filter form, and the matching rows (none if the form is bad)."""
        form = ReportFilterForm(self.request.GET or None)
        self.today = timezone.localdate()
        self.soon_days = ExpirationSettings.load().quick_renew_days
        if form.is_bound and not form.is_valid():
            return form, Expiration.objects.none(), {}
        filters = form.cleaned_data if form.is_bound else {}
        rows = reports.report_queryset(
            filters, today=self.today, soon_days=self.soon_days
        )
        return form, rows, filters


class ReportView(ReportMixin, TemplateView):
    template_name = "expirations/staff/report.html"

    def get_context_data(self, **kwargs):
        form, rows, _filters = self.report_setup()
        table = reports.ReportTable(
            reports.report_rows(rows),
            order_by=self.request.GET.get("sort") or None,
            today=self.today,
            soon_days=self.soon_days,
        )
        paginate(table, self.request)
        query = self.request.GET.copy()
        for name in ("page", "sort", "per_page"):
            query.pop(name, None)
        return {
            **super().get_context_data(**kwargs),
            "form": form,
            "table": table,
            "totals": reports.report_totals(rows),
            "chart": reports.report_months_chart(rows),
            "export_query": query.urlencode(),
            "page_sizes": PAGE_SIZES,
            "title": _("Expirations report"),
        }

    def render_to_response(self, context, **response_kwargs):
        if context["form"].errors:
            response_kwargs.setdefault("status", 400)
        return super().render_to_response(context, **response_kwargs)


def _export_name(extension: str) -> str:
    return f"expirations-{timezone.localdate().isoformat()}.{extension}"


class ReportCsvView(ReportMixin, View):
    def get(self, request, *args, **kwargs):
        form, rows, _filters = self.report_setup()
        if form.errors:
            return report_with_errors(request, form)
        response = StreamingHttpResponse(
            reports.report_csv_lines(rows, today=self.today, soon_days=self.soon_days),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{_export_name("csv")}"'
        )
        return response


class ReportPdfView(ReportMixin, View):
    def get(self, request, *args, **kwargs):
        form, rows, filters = self.report_setup()
        if form.errors:
            return report_with_errors(request, form)
        pdf = reports.report_pdf(
            rows, filters, today=self.today, soon_days=self.soon_days
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="{_export_name("pdf")}"'
        )
        return response


def report_with_errors(request, form):
    """An export with bad filters: the report page, showing what to correct."""
    return render(
        request,
        "expirations/staff/report.html",
        {
            "form": form,
            "table": None,
            "totals": None,
            "export_query": "",
            "title": _("Expirations report"),
        },
        status=400,
    )


# --- Settings: reminders, quick-renew window, the provenance and bank lists ---

CHOICE_LISTS = {
    "provenance": {
        "model": Provenance,
        "add": lambda name: records.provenance_add(name=name),
        "rename": lambda pk, name: records.provenance_rename(
            provenance_id=pk, name=name
        ),
        "archive": lambda pk, archived: records.provenance_set_archived(
            provenance_id=pk, archived=archived
        ),
    },
    "bank": {
        "model": BankInstitute,
        "add": lambda name: records.bank_institute_add(name=name),
        "rename": lambda pk, name: records.bank_institute_rename(
            bank_institute_id=pk, name=name
        ),
        "archive": lambda pk, archived: records.bank_institute_set_archived(
            bank_institute_id=pk, archived=archived
        ),
    },
}


CHANGE_ACTIONS = ("rename", "archive", "unarchive")


class SettingsView(StaffRequiredMixin, TemplateView):
    template_name = "expirations/staff/settings.html"
    permission_required = SETTINGS

    def get_context_data(self, **kwargs):
        current = ExpirationSettings.load()
        lists = []
        for kind, label in (
            ("provenance", _("Provenances")),
            ("bank", _("Bank institutes")),
        ):
            model = CHOICE_LISTS[kind]["model"]
            choices = list(model.objects.all())
            for choice in choices:
                choice.row_key = f"{kind}-{choice.pk}"
            lists.append(
                {
                    "kind": kind,
                    "label": label,
                    "choices": choices,
                    "add_form": kwargs.get(f"{kind}_add_form") or ChoiceNameForm(),
                    "can_add": self.request.user.has_perm(
                        f"expirations.add_{model._meta.model_name}"
                    ),
                    "can_change": self.request.user.has_perm(
                        f"expirations.change_{model._meta.model_name}"
                    ),
                }
            )
        return {
            **super().get_context_data(**kwargs),
            "form": kwargs.get("form")
            or ExpirationSettingsForm(
                initial={
                    "reminder_days_before": current.reminder_days_before,
                    "reminder_days_after": current.reminder_days_after,
                    "quick_renew_days": current.quick_renew_days,
                }
            ),
            "lists": lists,
            "rename_errors": kwargs.get("rename_errors"),
            "rename_key": kwargs.get("rename_key"),
            "title": _("Expirations"),
        }

    def post(self, request, *args, **kwargs):
        form = ExpirationSettingsForm(request.POST)
        if form.is_valid():
            try:
                records.expiration_settings_save(**form.cleaned_data)
            except ValidationError as error:
                _errors_to_form(form, error)
            else:
                messages.success(request, _("The settings were saved."))
                return redirect("expirations:staff_settings")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ChoiceListView(SettingsView):
    """Add, rename, archive or unarchive a provenance or a bank institute (POST)."""

    http_method_names = ["post"]

    def choice_list(self) -> dict:
        choice_list = CHOICE_LISTS.get(self.kwargs["kind"])
        action = self.kwargs.get("action")
        if choice_list is None or action not in (None, *CHANGE_ACTIONS):
            raise Http404
        return choice_list

    def get_permission_required(self):
        model_name = self.choice_list()["model"]._meta.model_name
        verb = "add" if self.kwargs.get("choice_pk") is None else "change"
        return (SETTINGS, f"expirations.{verb}_{model_name}")

    def post(self, request, *args, **kwargs):
        kind = self.kwargs["kind"]
        choice_list = self.choice_list()
        choice_pk = self.kwargs.get("choice_pk")
        action = self.kwargs.get("action", "add")
        if action in ("archive", "unarchive"):
            try:
                choice = choice_list["archive"](choice_pk, action == "archive")
            except ValidationError as error:
                raise Http404 from error
            messages.success(
                request,
                (
                    _("“%(name)s” was archived.")
                    if choice.is_archived
                    else _("“%(name)s” is offered again.")
                )
                % {"name": choice.name},
            )
            return redirect("expirations:staff_settings")
        form = ChoiceNameForm(request.POST)
        if form.is_valid():
            try:
                if action == "rename":
                    choice = choice_list["rename"](choice_pk, form.cleaned_data["name"])
                    done = _("Renamed to “%(name)s”.")
                else:
                    choice = choice_list["add"](form.cleaned_data["name"])
                    done = _("“%(name)s” was added.")
            except ValidationError as error:
                _errors_to_form(form, error)
            else:
                messages.success(request, done % {"name": choice.name})
                return redirect("expirations:staff_settings")
        if action == "rename":
            context = self.get_context_data(
                rename_errors=[e for errors in form.errors.values() for e in errors],
                rename_key=f"{kind}-{choice_pk}",
            )
        else:
            context = self.get_context_data(**{f"{kind}_add_form": form})
        return self.render_to_response(context, status=400)


# --- Dashboard widgets ---

WIDGET_KEYS = ("expirations_upcoming", "todo_today")


class WidgetView(StaffRequiredMixin, View):
    """One of this module's dashboard widgets alone (htmx refresh, benchmarks)."""

    def get(self, request, *args, **kwargs):
        key = self.kwargs["key"]
        widget = plugins.dashboard_widgets.get(key)
        if key not in WIDGET_KEYS or widget is None:
            raise Http404
        if widget.permission and not request.user.has_perm(widget.permission):
            raise PermissionDenied
        return HttpResponse(
            render_to_string(
                widget.template_name, widget.get_context(request), request=request
            )
        )


class TodoDoneView(StaffRequiredMixin, View):
    """ "To do today": marks an action done (or not) in one click, in place."""

    http_method_names = ["post"]
    permission_required = ("customers.view_customer", "customers.change_customeraction")

    def post(self, request, *args, **kwargs):
        action = get_object_or_404(
            CustomerAction.objects.select_related("customer"),
            pk=self.kwargs["action_pk"],
        )
        done = request.POST.get("done", "1") == "1"
        action = action_set_done(action=action, done=done)
        if request.htmx:
            # The row swaps in place; the widget's count follows out of band.
            return render(
                request,
                "expirations/staff/widget_todo_row.html",
                {
                    "action": action,
                    "can_mark_done": True,
                    "oob_todo_count": todo_today_count(),
                },
            )
        messages.success(
            request,
            (
                _("“%(title)s” is marked done.")
                if done
                else _("“%(title)s” is marked not done.")
            )
            % {"title": action.title},
        )
        return redirect("staff:dashboard")
