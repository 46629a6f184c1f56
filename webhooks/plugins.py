"""What webhooks add to the rest: the Settings → Webhooks page, the Manager's
permissions and the outbox as a sink of ``core.events``. Called from ready()."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core import plugins
from webhooks.services.outbox import sink_publish, sink_wants


def register() -> None:
    plugins.settings_pages.register(
        plugins.MenuEntry(
            "webhooks",
            _("Webhooks"),
            "webhooks:staff_list",
            permission="webhooks.view_subscription",
            order=95,
        )
    )
    plugins.role_permissions.register(
        plugins.RolePermissions(
            "webhooks.manager",
            "Manager",
            (
                "webhooks.view_subscription",
                "webhooks.add_subscription",
                "webhooks.change_subscription",
            ),
        )
    )
    plugins.event_sinks.register(
        plugins.EventSink("webhooks", wants=sink_wants, publish=sink_publish)
    )
