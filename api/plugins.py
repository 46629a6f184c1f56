"""What the API adds to the rest: the Settings → API keys page, the Manager's
permissions on keys and the funnel trigger of custom events ("api.event", whose
parameter is the event's name). Called from ``ApiConfig.ready()``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core import plugins


def register() -> None:
    from api.forms import EventTriggerForm
    from api.services import EVENT_TRIGGER, event_matches

    plugins.automation_triggers.register(
        plugins.AutomationTrigger(
            EVENT_TRIGGER,
            _("API event"),
            description=_(
                "Another system sent the event through the API (POST "
                "/api/v1/events); the funnel starts on the event name it is given, "
                "filed as api.<name>."
            ),
            form_class=EventTriggerForm,
            matches=event_matches,
            order=60,
        )
    )
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
