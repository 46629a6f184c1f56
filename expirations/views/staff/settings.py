"""The expirations settings and their choice lists (bank institutes, provenances)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from core.forms import form_errors_add
from core.mixins import StaffRequiredMixin
from expirations.forms.staff import (
    ChoiceNameForm,
    ExpirationSettingsForm,
)
from expirations.models import BankInstitute, ExpirationSettings, Provenance
from expirations.services import records
from expirations.views.staff.card import SETTINGS

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
                form_errors_add(form, error)
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
                form_errors_add(form, error)
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
