"""Staff pages of the funnels: the list (new, upload, download), and a funnel's
publish, activate, pause, resume, discard, simulation and test enrolment.

The editor itself is ``automation.views.editor``."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from automation import services
from automation.forms.funnels import (
    CustomerPickForm,
    FunnelCreateForm,
    FunnelUploadForm,
    PublishMovesForm,
)
from automation.models import Funnel
from automation.selectors import funnel_stranded_steps, funnels_for_list
from automation.services.drafts import draft_discard, draft_document
from core import plugins
from core.mixins import StaffRequiredMixin

VIEW = "automation.view_funnel"
ADD = (VIEW, "automation.add_funnel")
CHANGE = (VIEW, "automation.change_funnel")
TEST = (*CHANGE, "automation.change_run")


def error_messages(error: ValidationError) -> list[str]:
    return [str(message) for message in error.messages]


class FunnelMixin(StaffRequiredMixin):
    """A page about one funnel (``pk`` in the URL)."""

    permission_required: str | tuple[str, ...] = VIEW

    def get_funnel(self) -> Funnel:
        if not hasattr(self, "_funnel"):
            self._funnel = get_object_or_404(
                Funnel.objects.select_related("published_version"), pk=self.kwargs["pk"]
            )
        return self._funnel

    def editor_url(self) -> str:
        return reverse("automation:funnel_editor", args=[self.get_funnel().pk])


class FunnelListView(StaffRequiredMixin, TemplateView):
    template_name = "automation/staff/funnel_list.html"
    permission_required = VIEW

    def get_context_data(self, **kwargs):
        funnels = funnels_for_list()
        for funnel in funnels:
            trigger = plugins.automation_triggers.get(
                funnel.trigger_key or funnel.draft.get("trigger", {}).get("key", "")
            )
            funnel.trigger_label = trigger.label if trigger else funnel.trigger_key
        user = self.request.user
        return {
            **super().get_context_data(**kwargs),
            "title": _("Funnels"),
            "funnels": funnels,
            "can_add": user.has_perms(ADD),
            "create_form": kwargs.get("create_form") or FunnelCreateForm(),
            "upload_form": kwargs.get("upload_form") or FunnelUploadForm(),
        }


class FunnelCreateView(StaffRequiredMixin, View):
    permission_required = ADD

    def post(self, request):
        form = FunnelCreateForm(request.POST)
        if form.is_valid():
            try:
                funnel = services.funnel_create(
                    document=draft_document(
                        name=form.cleaned_data["name"],
                        trigger_key=form.cleaned_data["trigger"],
                    )
                )
            except ValidationError as error:
                form.add_error(None, error_messages(error))
            else:
                messages.success(request, _("The funnel was created: add its steps."))
                return redirect("automation:funnel_editor", funnel.pk)
        return _list_again(request, create_form=form)


class FunnelUploadView(StaffRequiredMixin, View):
    """A funnel from its JSON file (``funnel_import``): published, active if asked."""

    permission_required = ADD

    def post(self, request):
        form = FunnelUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                funnel = services.funnel_import(
                    document=form.cleaned_data["file"],
                    by=request.user,
                    activate=form.cleaned_data["activate"],
                )
            except ValidationError as error:
                form.add_error("file", error_messages(error))
            else:
                messages.success(
                    request,
                    _("“%(name)s” was imported and published.") % {"name": funnel.name},
                )
                return redirect("automation:funnel_editor", funnel.pk)
        return _list_again(request, upload_form=form)


def _list_again(request, **forms):
    """The list again, with a refused form's errors (nothing was saved)."""
    list_view = FunnelListView()
    list_view.setup(request)
    return render(
        request,
        list_view.template_name,
        list_view.get_context_data(**forms),
        status=400,
    )


class FunnelDownloadView(FunnelMixin, View):
    """The funnel's JSON (its published version, else its draft) as a file."""

    def get(self, request, pk):
        funnel = self.get_funnel()
        document = services.funnel_export(funnel)
        response = HttpResponse(
            json.dumps(document, indent=2, ensure_ascii=False) + "\n",
            content_type="application/json; charset=utf-8",
        )
        name = slugify(funnel.name) or "funnel"
        response["Content-Disposition"] = (
            f'attachment; filename="funnel-{funnel.pk}-{name}.json"'
        )
        return response


class FunnelStatusView(FunnelMixin, View):
    """Activate, pause or resume."""

    permission_required = CHANGE
    ACTIONS = {
        "activate": (services.funnel_activate, _("The funnel is active.")),
        "pause": (
            services.funnel_pause,
            _(
                "The funnel is paused: no step runs and nobody enters it until you "
                "resume it; then what fell due meanwhile runs."
            ),
        ),
        "resume": (services.funnel_resume, _("The funnel is active again.")),
    }

    def post(self, request, pk, action):
        if action not in self.ACTIONS:
            return HttpResponse(status=404)
        service, done = self.ACTIONS[action]
        try:
            service(funnel=self.get_funnel())
        except ValidationError as error:
            for message in error_messages(error):
                messages.error(request, message)
        else:
            messages.success(request, str(done))
        return redirect(self.editor_url())


class FunnelDiscardView(FunnelMixin, View):
    """The draft goes back to the published version."""

    permission_required = CHANGE

    def post(self, request, pk):
        try:
            draft_discard(funnel=self.get_funnel())
        except ValidationError as error:
            for message in error_messages(error):
                messages.error(request, message)
        else:
            messages.success(request, _("The draft's changes were discarded."))
        return redirect(self.editor_url())


class FunnelPublishView(FunnelMixin, TemplateView):
    """Publishes the draft; when runs wait in steps the draft removes, asks where
    they go (a select per step) first."""

    template_name = "automation/staff/funnel_publish.html"
    permission_required = CHANGE

    def form(self, data=None) -> PublishMovesForm:
        funnel = self.get_funnel()
        return PublishMovesForm(
            data,
            stranded=funnel_stranded_steps(funnel),
            steps=funnel.draft.get("steps", []),
        )

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "funnel": self.get_funnel(),
            "form": kwargs.get("form") or self.form(),
            "title": _("Publish “%(name)s”") % {"name": self.get_funnel().name},
        }

    def post(self, request, pk):
        funnel = self.get_funnel()
        form = self.form(request.POST)
        if form.is_valid():
            try:
                version = services.funnel_publish(
                    funnel=funnel, by=request.user, moves=form.moves()
                )
            except ValidationError as error:
                form.add_error(None, error_messages(error))
            else:
                messages.success(
                    request,
                    _("Version %(number)d is published.") % {"number": version.number},
                )
                return redirect(self.editor_url())
        return self.render_to_response(self.get_context_data(form=form), status=400)


class FunnelSimulateView(FunnelMixin, TemplateView):
    """The path a customer would take, now; nothing changes."""

    template_name = "automation/staff/funnel_simulate.html"

    def get_context_data(self, **kwargs):
        funnel = self.get_funnel()
        form = CustomerPickForm(self.request.GET or None)
        path = None
        customer = None
        if form.is_bound and form.is_valid():
            customer = form.cleaned_data["customer"]
            path = services.funnel_simulate(funnel, customer)
        return {
            **super().get_context_data(**kwargs),
            "funnel": funnel,
            "form": form,
            "customer": customer,
            "path": path,
            "test_form": CustomerPickForm(
                initial={"customer": customer.email} if customer else None,
                auto_id="test_%s",
            ),
            "can_test": self.request.user.has_perms(TEST),
            "title": _("Simulate “%(name)s”") % {"name": funnel.name},
        }


class FunnelTestRunView(FunnelMixin, View):
    """Enrols a customer in a test run: waits end at once, the statistics leave it
    out, but its actions really happen (use a staff test customer)."""

    permission_required = TEST

    def post(self, request, pk):
        funnel = self.get_funnel()
        form = CustomerPickForm(request.POST)
        if form.is_valid():
            customer = form.cleaned_data["customer"]
            try:
                services.funnel_enrol_customer(
                    funnel=funnel, customer=customer, by=request.user, is_test=True
                )
            except ValidationError as error:
                for message in error_messages(error):
                    messages.error(request, message)
            else:
                messages.success(
                    request,
                    _(
                        "%(email)s is in a test run of “%(name)s”: its waits end at "
                        "once; the next ticks run its steps."
                    )
                    % {"email": customer.email, "name": funnel.name},
                )
        else:
            for errors in form.errors.values():
                for message in errors:
                    messages.error(request, message)
        return redirect("automation:funnel_simulate", funnel.pk)
