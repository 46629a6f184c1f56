from django.conf import settings

from core import plugins


def clientela(request):
    """The menus that apps registered, filtered by what the visitor may see."""
    user = getattr(request, "user", None)
    context = {"CURRENCY": settings.CURRENCY}
    if user is not None and user.is_authenticated:
        if user.is_staff:
            context["staff_menu"] = plugins.staff_menu.visible_to(user)
        context["account_menu"] = list(plugins.account_menu)
    return context
