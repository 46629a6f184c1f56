from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class ClientelaAdminSite(admin.AdminSite):
    """Django's admin, for superusers only: staff work in the backoffice."""

    site_header = "Clientela"
    site_title = "Clientela"

    def has_permission(self, request):
        return request.user.is_active and request.user.is_superuser


class ClientelaAdminConfig(AdminConfig):
    default_site = "core.admin_site.ClientelaAdminSite"
