from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views import csrf, defaults
from django.views.generic import ListView, RedirectView, TemplateView, View

from core import plugins
from core.cookies import language_cookie_set
from core.forms import StaffAuthenticationForm
from core.json_api import json_error, wants_json
from core.mixins import StaffRequiredMixin
from core.models import SentEmail, SentEmailAttachment


class StaffLoginView(auth_views.LoginView):
    template_name = "staff/login.html"
    authentication_form = StaffAuthenticationForm
    redirect_authenticated_user = False
    next_page = cast(str, reverse_lazy("staff:dashboard"))


class StaffLogoutView(auth_views.LogoutView):
    next_page = cast(str, reverse_lazy("staff:login"))


class DashboardView(StaffRequiredMixin, TemplateView):
    template_name = "staff/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        widgets = []
        for widget in plugins.dashboard_widgets.visible_to(self.request.user):
            widget_context = widget.get_context(self.request)
            if widget_context is None:  # nothing to show now
                continue
            html = render_to_string(
                widget.template_name, widget_context, request=self.request
            )
            widgets.append({"widget": widget, "html": html})
        context["widgets"] = widgets
        return context


class SentEmailListView(StaffRequiredMixin, ListView):
    permission_required = "core.view_sentemail"
    template_name = "core/sentemail_list.html"
    paginate_by = 50
    queryset = SentEmail.objects.only(
        "template", "to", "subject", "status", "language", "created_at", "sent_at"
    ).prefetch_related(
        Prefetch(
            "attachments",
            queryset=SentEmailAttachment.objects.only("sent_email", "filename", "size"),
        )
    )
    extra_context = {"title": _("Sent e-mails")}


class SettingsIndexView(StaffRequiredMixin, TemplateView):
    """The Settings section: the settings pages that apps registered."""

    template_name = "core/settings_index.html"
    extra_context = {"title": _("Settings")}

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "pages": plugins.settings_pages.visible_to(self.request.user),
        }


def error_400(request, exception=None):
    if wants_json(request):
        return json_error(_("The request is not valid."), 400)
    return defaults.bad_request(request, exception)


def error_403(request, exception=None):
    if wants_json(request):
        return json_error(_("You are not allowed to do this."), 403)
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    if wants_json(request):
        return json_error(_("Not found."), 404)
    return render(request, "404.html", status=404)


def error_500(request):
    if wants_json(request):
        return json_error(_("Something went wrong on our side. Try again later."), 500)
    return render(request, "500.html", status=500)


def csrf_failure(request, reason=""):
    """``CSRF_FAILURE_VIEW``: JSON on JSON endpoints, Django's page elsewhere."""
    if wants_json(request):
        return json_error(
            _(
                "The CSRF check failed: send the value of the csrftoken cookie in "
                "the X-CSRFToken header, with the session cookie."
            ),
            403,
        )
    return csrf.csrf_failure(request, reason)


class LanguageSetView(View):
    """The language switcher: remembers the choice; a language we lack is refused."""

    http_method_names = ["post"]

    def post(self, request):
        language = request.POST.get("language", "")
        next_url = request.POST.get("next") or request.META.get("HTTP_REFERER") or "/"
        if not url_has_allowed_host_and_scheme(
            next_url,
            allowed_hosts={request.get_host()},
            require_https=request.is_secure(),
        ):
            next_url = "/"
        if language not in dict(settings.LANGUAGES):
            messages.error(request, _("This language is not available."))
            return redirect(next_url)
        if request.user.is_authenticated and not hasattr(request.user, "customer"):
            request.user.language = language
            request.user.save(update_fields=["language"])
        elif request.user.is_authenticated:
            for choice in plugins.language_choices:
                choice.remember(request, language)
        translation.activate(language)
        response = redirect(next_url)
        language_cookie_set(response, language)
        return response


class FaviconView(RedirectView):
    """``/favicon.ico``, which browsers ask for by themselves (the admin's pages
    name no icon): the site's icon among the static files."""

    permanent = False  # the static file's name changes with its content

    def get_redirect_url(self, *args, **kwargs) -> str:
        return static("favicon.svg")
