"""The actions of the dashboard widgets: a widget's refresh and a to-do marked done."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.generic import View

from core import plugins
from core.mixins import StaffRequiredMixin
from customers.models import CustomerAction
from customers.services.history import action_set_done
from expirations.widgets import todo_today_count

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
