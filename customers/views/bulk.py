"""Bulk actions and CSV export of the staff customer list.

The bulk form posts to ``customers:bulk`` with the list's query string, so the
filters, the sort and the page it acts on are the ones on screen. "All customers
matching the filters" is counted only up to ``COUNT_CAP`` (never an exact
``COUNT(*)`` over a million rows); past ``INLINE_LIMIT`` the action runs in the
background, batch by batch.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import TemplateView

from core import plugins
from core.mixins import StaffRequiredMixin
from customers import exports, selectors
from customers.filters import CustomerFilterSet
from customers.forms.list import (
    BULK_ACTION_PERMISSIONS,
    BulkActionForm,
    bulk_actions_for,
)
from customers.models import BulkJob, Customer
from customers.services.bulk_jobs import bulk_job_action_label, bulk_job_create
from customers.services.marketing import customer_id_batches, customers_bulk_apply
from customers.views.bulk_support import COUNT_CAP, add_service_error, capped_count
from customers.views.staff import CustomerListView

INLINE_LIMIT = COUNT_CAP


def list_url(request) -> str:
    query_string = request.GET.urlencode()
    url = reverse("customers:list")
    return f"{url}?{query_string}" if query_string else url


def export_response(queryset: QuerySet) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        exports.csv_pieces(queryset), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{exports.export_filename()}"'
    )
    response["Cache-Control"] = "no-store"
    return response


class CustomerExportView(StaffRequiredMixin, View):
    """The filtered list as CSV (a GET: the filters are in the query string)."""

    permission_required = ("customers.view_customer", "customers.export_customer")

    def get(self, request):
        filterset = CustomerFilterSet(
            request.GET, queryset=exports.export_queryset(), user=request.user
        )
        if not filterset.is_valid():
            messages.error(request, _("Fix the filters before exporting."))
            return HttpResponseRedirect(list_url(request))
        return export_response(filterset.qs)


class CustomerBulkView(CustomerListView):
    """Applies a bulk action; a bad request shows the list again with the errors."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        user = request.user
        chosen = request.POST.get("action", "")
        permission = BULK_ACTION_PERMISSIONS.get(chosen)
        if permission is None and chosen in plugins.customer_bulk_actions:
            permission = plugins.customer_bulk_actions.get(chosen).permission  # type: ignore[union-attr]
        if permission is not None and not user.has_perm(permission):
            raise PermissionDenied
        if not bulk_actions_for(user):
            raise PermissionDenied
        form = BulkActionForm(request.POST, user=user)
        filterset = CustomerFilterSet(
            request.GET, queryset=selectors.customer_list_queryset(user), user=user
        )
        every = form.is_valid() and form.cleaned_data["scope"] == form.SCOPE_ALL
        if every and not filterset.is_valid():
            form.add_error("scope", _("Fix the filters first: they are not valid."))
        if not form.is_valid():
            self.bulk_form = form
            return self.render_to_response(self.get_context_data(), status=400)

        action = form.cleaned_data["action"]
        every = form.cleaned_data["scope"] == form.SCOPE_ALL
        ids = form.cleaned_data["selected"]
        if action == "export":
            if every:
                queryset = CustomerFilterSet(
                    request.GET, queryset=exports.export_queryset(), user=user
                ).qs
            else:
                queryset = exports.export_queryset().filter(pk__in=ids).order_by("pk")
            return export_response(queryset)

        if form.plugin_action is not None:
            return self.plugin_apply(form, filterset)
        target = form.target
        if every:
            count, more = capped_count(filterset.qs, cap=INLINE_LIMIT)
            if more:
                return self.background(action, str(target.pk), str(target), count)
            batches = customer_id_batches(filterset.qs)
        else:
            batches = [ids]
        try:
            changed = customers_bulk_apply(
                action=action, target=target, batches=batches, actor=user
            )
        except ValidationError as error:
            form.add_error(
                "newsletter_list" if action in {"subscribe", "unsubscribe"} else None,
                error,
            )
            self.bulk_form = form
            return self.render_to_response(self.get_context_data(), status=400)
        messages.success(request, self.success_message(action, target, changed))
        return HttpResponseRedirect(list_url(request))

    def plugin_apply(self, form: BulkActionForm, filterset):
        """An action another app brings (core.plugins.customer_bulk_actions): to
        the ticked customers, or all those matching (in the background when there
        are more than ``INLINE_LIMIT``)."""
        request = self.request
        entry = form.plugin_action
        assert entry is not None
        target = form.target
        if form.cleaned_data["scope"] == form.SCOPE_ALL:
            count, more = capped_count(filterset.qs, cap=INLINE_LIMIT)
            if more:
                value = form.fields[entry.field_name].prepare_value(target)
                return self.background(entry.key, str(value), str(target), count)
            customers = filterset.qs
        else:
            customers = Customer.objects.filter(pk__in=form.cleaned_data["selected"])
        try:
            changed = entry.apply(
                customers=customers, target=target, actor=request.user, progress=None
            )
        except ValidationError as error:
            add_service_error(form, error)
            self.bulk_form = form
            return self.render_to_response(self.get_context_data(), status=400)
        messages.success(request, entry.done_message(target, changed))
        return HttpResponseRedirect(list_url(request))

    def background(self, action: str, value: str, label: str, count: int):
        """Past ``INLINE_LIMIT`` customers the action runs as a job; its page
        shows how far it has got."""
        job = bulk_job_create(
            action=action,
            target_value=value,
            target_label=label,
            query_string=self.request.GET.urlencode(),
            actor=self.request.user,
        )
        messages.info(
            self.request,
            _(
                "More than %(count)s customers match: the change is being "
                "applied in the background."
            )
            % {"count": intcomma(count)},
        )
        return HttpResponseRedirect(reverse("customers:bulk_job", args=[job.pk]))

    @staticmethod
    def success_message(action: str, target, changed: int) -> str:
        params = {"name": target.name, "count": intcomma(changed)}
        texts = {
            "add_tag": ngettext(
                "Tag “%(name)s” added to %(count)s customer.",
                "Tag “%(name)s” added to %(count)s customers.",
                changed,
            ),
            "remove_tag": ngettext(
                "Tag “%(name)s” removed from %(count)s customer.",
                "Tag “%(name)s” removed from %(count)s customers.",
                changed,
            ),
            "subscribe": ngettext(
                "%(count)s customer subscribed to “%(name)s”.",
                "%(count)s customers subscribed to “%(name)s”.",
                changed,
            ),
            "unsubscribe": ngettext(
                "%(count)s customer unsubscribed from “%(name)s”.",
                "%(count)s customers unsubscribed from “%(name)s”.",
                changed,
            ),
        }
        return texts[action] % params


class BulkJobView(StaffRequiredMixin, TemplateView):
    """A background bulk action's progress (polled by htmx, or reloaded without
    JavaScript), then how it ended. Staff see their own jobs; superusers all."""

    permission_required = "customers.view_customer"
    template_name = "customers/bulk_job.html"
    partial_template_name = "customers/bulk_job_status.html"

    def get_job(self) -> BulkJob:
        job = get_object_or_404(BulkJob, pk=self.kwargs["pk"])
        user = self.request.user
        if job.created_by_id != user.pk and not user.is_superuser:
            raise Http404
        return job

    def get_template_names(self):
        if getattr(self.request, "htmx", False):
            return [self.partial_template_name]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        job = self.get_job()
        total = max(job.total, job.processed)
        list_link = reverse("customers:list")
        return {
            **super().get_context_data(**kwargs),
            "job": job,
            "title": _("%(action)s: %(target)s")
            % {"action": bulk_job_action_label(job), "target": job.target_label},
            "total": total,
            "percent": round(100 * job.processed / total) if total else 0,
            "list_url": f"{list_link}?{job.query_string}"
            if job.query_string
            else list_link,
        }
