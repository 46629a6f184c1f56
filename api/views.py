"""Settings → API keys: the keys, a form to make one (its secret shown once) and
the revoke button. Each view wires one form to one service."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from api.forms import ApiKeyForm
from api.models import ApiKey
from api.services import api_key_create, api_key_revoke
from core.forms import form_errors_add
from core.mixins import StaffRequiredMixin


class KeysView(StaffRequiredMixin, TemplateView):
    template_name = "api/staff/keys.html"
    permission_required = "api.view_apikey"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return {
            **super().get_context_data(**kwargs),
            "form": kwargs.get("form") or ApiKeyForm(),
            "keys": ApiKey.objects.select_related("created_by", "revoked_by"),
            "may_add": user.has_perm("api.add_apikey"),
            "may_revoke": user.has_perm("api.change_apikey"),
            "title": _("API keys"),
        }

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("api.add_apikey"):
            return self.handle_no_permission()
        form = ApiKeyForm(request.POST)
        if form.is_valid():
            try:
                created = api_key_create(
                    name=form.cleaned_data["name"],
                    scopes=form.cleaned_data["scopes"],
                    created_by=request.user,
                )
            except ValidationError as error:
                form_errors_add(form, error)
            else:
                # Rendered, not redirected: the secret is on this one page and
                # stored nowhere (not even in the session).
                response = self.render_to_response(
                    self.get_context_data(created=created)
                )
                response["Cache-Control"] = "no-store"
                return response
        return self.render_to_response(self.get_context_data(form=form), status=400)


class KeyRevokeView(StaffRequiredMixin, TemplateView):
    http_method_names = ["post"]
    permission_required = "api.change_apikey"

    def post(self, request, *args, **kwargs):
        api_key = get_object_or_404(ApiKey, pk=kwargs["pk"])
        api_key_revoke(api_key_id=api_key.pk, revoked_by=request.user)
        messages.success(
            request,
            _("The key “%(name)s” was revoked: it can no longer be used.")
            % {"name": api_key.name},
        )
        return redirect("api:staff_keys")
