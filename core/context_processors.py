from django.conf import settings

from core import plugins
from core.impersonation import impersonation_context
from core.menu import account_menu_build, staff_menu_build


def clientela(request):
    """The menus that apps registered, filtered by what the visitor may see."""
    user = getattr(request, "user", None)
    context = {
        "CURRENCY": settings.CURRENCY,
        "BUSINESS_NAME": getattr(settings, "CLIENTELA_BUSINESS_NAME", "Clientela"),
        "CONTACT_EMAIL": getattr(settings, "CLIENTELA_CONTACT_EMAIL", ""),
        "CONTACT_PHONE": getattr(settings, "CLIENTELA_CONTACT_PHONE", ""),
    }
    if user is not None and user.is_authenticated:
        if user.is_staff:
            context["staff_menu"] = staff_menu_build(user, request.path, request)
        context["account_menu"] = [
            entry
            for entry in plugins.account_menu
            if entry.shown is None or entry.shown(request)
        ]
        context["account_nav"] = account_menu_build(
            context["account_menu"], request.path
        )
    # login: the impersonation banner, and the sign-up link on the login page
    context.update(impersonation_context(request))
    context["signup_enabled"] = getattr(settings, "CLIENTELA_SIGNUP_ENABLED", False)
    return context
