"""What the API adds to the rest: the Settings → API keys page, the Manager's
permissions on keys and the funnel trigger of custom events ("api.event", whose
parameter is the event's name). Called from ``ApiConfig.ready()``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core import plugins


def _demo_key_seed(customers, *, seed: int, log) -> None:
    """``seed_demo``: the demo API key, with every scope, and its secret."""
    from api.services import DEMO_KEY, api_key_demo_ensure

    api_key = api_key_demo_ensure()
    if not api_key.is_active:
        log("Demo API key: revoked, left revoked (a local demo only).")
        return
    log(
        f"Demo API key (every scope; a public demo key for a local try-out, never "
        f"production): {DEMO_KEY}"
    )


def register() -> None:
    plugins.demo_seeders.register(
        plugins.DemoSeeder("api.demo_key", _demo_key_seed, order=200)
    )
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
