from typing import Any

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import reverse_lazy


class StaffRequiredMixin(AccessMixin):
    """Backoffice pages: staff only, and the view's ``permission_required`` if any.

    Anonymous visitors are sent to the staff login; a logged-in customer, or staff
    without the permission, gets a 403 page.
    """

    login_url = reverse_lazy("staff:login")
    permission_required: str | tuple[str, ...] | None = None
    # Set by the view this mixin is combined with.
    request: HttpRequest
    kwargs: dict[str, Any]

    def get_permission_required(self) -> tuple[str, ...]:
        if self.permission_required is None:
            return ()
        if isinstance(self.permission_required, str):
            return (self.permission_required,)
        return tuple(self.permission_required)

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return self.handle_no_permission()
        if not (user.is_active and user.is_staff):
            raise PermissionDenied
        if not user.has_perms(self.get_permission_required()):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)
