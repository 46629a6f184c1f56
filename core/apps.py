from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_staff_groups(sender, apps=None, **kwargs):
    # post_migrate is sent once per app; permissions exist for all of them only after
    # the last one, so the groups are synced then.
    from django.apps import apps as global_apps

    if sender.label != list(global_apps.get_app_configs())[-1].label:
        return
    from core.services import staff_groups_sync

    staff_groups_sync()


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")

    def ready(self):
        from core import input, plugins

        input.install()

        plugins.staff_menu.register(
            plugins.MenuEntry("dashboard", _("Dashboard"), "staff:dashboard", order=0)
        )
        plugins.staff_menu.register(
            plugins.MenuEntry(
                "emails",
                _("E-mails"),
                "staff:emails",
                permission="core.view_sentemail",
                order=900,
                group=plugins.STAFF_MENU_REPORTS,
            )
        )
        plugins.staff_menu.register(
            plugins.MenuEntry("settings", _("Settings"), "staff:settings", order=800)
        )
        plugins.role_permissions.register(
            plugins.RolePermissions("core.manager", "Manager", ("core.view_sentemail",))
        )
        post_migrate.connect(_sync_staff_groups, dispatch_uid="core.sync_staff_groups")
