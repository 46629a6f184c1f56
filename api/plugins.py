"""What the API adds to the rest: the Settings → API keys page and the Manager's
permissions on keys. Called from ``ApiConfig.ready()``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core import plugins


def register() -> None:
    plugins.settings_pages.register(
        plugins.MenuEntry(
            "api_keys",
            _("API keys"),
            "api:staff_keys",
            permission="api.view_apikey",
            order=90,
        )
    )
    plugins.role_permissions.register(
        plugins.RolePermissions(
            "api.manager",
            "Manager",
            ("api.view_apikey", "api.add_apikey", "api.change_apikey"),
        )
    )
