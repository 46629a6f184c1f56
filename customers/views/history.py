"""The customer card's Action history tab: timeline, custom actions, attachments,
support requests and push devices (staff side), and the E-mails tab.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, ListView, TemplateView, View

from core.middleware import upload_allowance
from core.models import SentEmail
from customers.forms.history import CustomerActionForm, TimelineFilterForm
from customers.models import (
    ActionAttachment,
    Customer,
    CustomerAction,
    PushDevice,
    SupportRequest,
)
from customers.services import history as services
from customers.timeline import action_event, customer_timeline, support_event
from customers.views.staff import CustomerCardMixin

ACTION_FIELDS = ("kind", "title", "note", "due_date", "done")


def history_url(customer_pk: int) -> str:
    return reverse("customers:history", kwargs={"pk": customer_pk})


def back_url(request, customer_pk: int) -> str:
    """Where to go after an action: the timeline page it came from, if one."""
    default = history_url(customer_pk)
    wanted = request.POST.get("next") or ""
    if wanted.startswith(default) and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=False
    ):
        return wanted
    return default


class HistoryTabView(CustomerCardMixin, TemplateView):
    """One chronological timeline of everything that happened with the customer."""

    template_name = "customers/history_tab.html"
    tab_key = "history"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        customer, user = self.get_customer(), self.request.user
        form = TimelineFilterForm(self.request.GET or None, user=user)
        events, older_url = [], ""
        if not form.is_bound or form.is_valid():
            since, until = form.bounds() if form.is_bound else (None, None)
            page = customer_timeline(
                user=user,
                customer=customer,
                since=since,
                until=until,
                type_filter=form.cleaned_data.get("type", "") if form.is_bound else "",
            )
            events = page.events
            if page.older_until is not None:
                query = self.request.GET.copy()
                query["until"] = page.older_until.isoformat()
                older_url = f"?{query.urlencode()}"
        return {
            **context,
            "filter_form": form,
            "events": events,
            "older_url": older_url,
            "next_url": self.request.get_full_path(),
            "filtered": bool(self.request.GET),
        }


class ActionFormMixin(CustomerCardMixin):
    template_name: str | None = "customers/history_action_form.html"
    tab_key = "history"
    form_class: type[CustomerActionForm] | None = CustomerActionForm
    request_body_max_bytes = upload_allowance(
        services.ATTACHMENT_MAX_COUNT * services.ATTACHMENT_MAX_SIZE
    )

    def fields_from(self, form) -> dict:
        return {name: form.cleaned_data[name] for name in ACTION_FIELDS}


class ActionCreateView(ActionFormMixin, FormView):
    permission_required = ("customers.view_customer", "customers.add_customeraction")
    extra_context = {"heading": _("New action")}

    def form_valid(self, form):
        try:
            services.action_create(
                customer=self.get_customer(),
                actor=self.request.user,
                attachments=form.cleaned_data["attachments"],
                **self.fields_from(form),
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The action was added."))
        return redirect(history_url(self.get_customer().pk))


class ActionMixin:
    # Set by the customer-card view this mixin is combined with.
    kwargs: dict[str, Any]
    get_customer: Callable[[], Customer]

    def get_action(self) -> CustomerAction:
        if not hasattr(self, "_action"):
            self._action = get_object_or_404(
                CustomerAction.objects.select_related("created_by"),
                pk=self.kwargs["action_pk"],
                customer=self.get_customer(),
            )
        return self._action


class ActionUpdateView(ActionMixin, ActionFormMixin, FormView):
    permission_required = ("customers.view_customer", "customers.change_customeraction")
    extra_context = {"heading": _("Edit the action")}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.get_action()}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "action": self.get_action()}

    def form_valid(self, form):
        removed = form.cleaned_data.get("remove_attachments") or []
        try:
            services.action_update(
                action=self.get_action(),
                attachments=form.cleaned_data["attachments"],
                remove_attachment_ids=[attachment.pk for attachment in removed],
                **self.fields_from(form),
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The action was saved."))
        return redirect(history_url(self.get_customer().pk))


class ActionDeleteView(ActionMixin, CustomerCardMixin, TemplateView):
    """Asks for confirmation (GET), then deletes the action and its files (POST)."""

    permission_required = ("customers.view_customer", "customers.delete_customeraction")
    template_name = "customers/history_action_delete.html"
    tab_key = "history"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "action": self.get_action()}

    def post(self, request, *args, **kwargs):
        action = self.get_action()
        services.action_delete(action=action)
        messages.success(
            request,
            _("The action “%(title)s” was deleted.") % {"title": action.title},
        )
        return redirect(history_url(self.get_customer().pk))


class ActionDoneView(ActionMixin, CustomerCardMixin, View):
    """Marks an action done or not done: in place with htmx, or as a plain post."""

    permission_required = ("customers.view_customer", "customers.change_customeraction")
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        done = request.POST.get("done") == "1"
        action = services.action_set_done(action=self.get_action(), done=done)
        next_url = back_url(request, self.get_customer().pk)
        if request.htmx:
            action = (
                CustomerAction.objects.select_related("created_by")
                .prefetch_related("attachments")
                .get(pk=action.pk)
            )
            return render(
                request,
                "customers/history_event.html",
                {"event": action_event(action), "next_url": next_url},
            )
        if done:
            messages.success(request, _("The action is marked done."))
        else:
            messages.success(request, _("The action is marked not done."))
        return redirect(next_url)


class AttachmentDownloadView(CustomerCardMixin, View):
    """Serves an attachment to staff who may see the customer (never a public URL)."""

    permission_required = "customers.view_customer"

    def get(self, request, *args, **kwargs):
        attachment = get_object_or_404(
            ActionAttachment,
            pk=self.kwargs["attachment_pk"],
            action__customer=self.get_customer(),
        )
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError as error:
            raise Http404(_("The file is missing.")) from error
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=attachment.name,
            content_type=attachment.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response


class SupportRequestCloseView(CustomerCardMixin, View):
    permission_required = ("customers.view_customer", "customers.change_supportrequest")
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        support_request = get_object_or_404(
            SupportRequest,
            pk=self.kwargs["request_pk"],
            customer=self.get_customer(),
        )
        support_request = services.support_request_close(
            support_request=support_request
        )
        next_url = back_url(request, self.get_customer().pk)
        if request.htmx:
            return render(
                request,
                "customers/history_event.html",
                {"event": support_event(support_request), "next_url": next_url},
            )
        messages.success(request, _("The support request is closed."))
        return redirect(next_url)


class PushDeviceListView(CustomerCardMixin, TemplateView):
    """The customer's push devices; staff with the permission remove them."""

    template_name = "customers/history_push_devices.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "devices": PushDevice.objects.filter(customer=self.get_customer()),
        }


class PushDeviceRemoveView(CustomerCardMixin, View):
    permission_required = ("customers.view_customer", "customers.change_customer")
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        device = get_object_or_404(
            PushDevice, pk=self.kwargs["device_pk"], customer=self.get_customer()
        )
        services.push_device_remove(device=device)
        messages.success(
            request, _("The device “%(name)s” was removed.") % {"name": device}
        )
        return redirect("customers:push_devices", pk=self.get_customer().pk)


class EmailListView(CustomerCardMixin, ListView):
    """The e-mails sent to the customer's address, newest first, from every module
    (receipts, reminders, funnel e-mails): a page of the Action history tab."""

    permission_required = ("customers.view_customer", "core.view_sentemail")
    template_name = "customers/history_emails.html"
    tab_key = "history"
    paginate_by = 50

    def get_queryset(self):
        return SentEmail.objects.filter(to=self.get_customer().email).only(
            "template", "subject", "status", "language", "created_at", "sent_at"
        )
