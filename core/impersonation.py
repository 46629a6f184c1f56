"""Staff "log in as" someone else: the session keys and the guards any app can use.

Only the mechanics live here (whose session this is, switching it, refusing an action
while it lasts); who may impersonate whom, and what is recorded, is the business of
the app that offers it (``customers``). Apps that move money or change login data
refuse while impersonating::

    class WithdrawalCreateView(ForbidWhileImpersonatingMixin, ...): ...

    @forbid_while_impersonating
    def checkout(request): ...

While it lasts, every write still names the person who made it: views pass
``acting_user(request)`` (the staff member, not the customer) to the services they
call, and the services record it.

Switching users here is not a login: no ``user_logged_in`` signal is sent, so the
impersonated person's ``last_login`` and login history stay untouched.
"""

from __future__ import annotations

from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
    logout,
)
from django.core.exceptions import PermissionDenied
from django.middleware.csrf import rotate_token
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

IMPERSONATOR_SESSION_KEY = "_impersonator_id"
IMPERSONATED_SESSION_KEY = "_impersonated_user_id"
STARTED_SESSION_KEY = "_impersonation_started_at"
AUTH_BACKEND = "core.backends.EmailBackend"

FORBIDDEN_MESSAGE = _(
    "This cannot be done while you are logged in as a customer. Return to the "
    "backoffice first: only the customer may do it themselves."
)


def is_impersonating(request: HttpRequest) -> bool:
    """Whether a staff member is using this session as someone else."""
    session = getattr(request, "session", None)
    user = getattr(request, "user", None)
    if session is None or user is None or not user.is_authenticated:
        return False
    impersonated_id = session.get(IMPERSONATED_SESSION_KEY)
    return (
        session.get(IMPERSONATOR_SESSION_KEY) is not None
        and impersonated_id is not None
        and str(impersonated_id) == str(user.pk)
    )


def impersonator(request: HttpRequest):
    """The staff member behind this session while impersonating, else None."""
    if not is_impersonating(request):
        return None
    cache_holder: Any = request  # the cache is an ad-hoc attribute of the request
    if not hasattr(cache_holder, "_impersonator_cache"):
        cache_holder._impersonator_cache = (
            get_user_model()
            .objects.filter(pk=request.session[IMPERSONATOR_SESSION_KEY])
            .first()
        )
    return cache_holder._impersonator_cache


def acting_user(request: HttpRequest):
    """Who really acts in this request: the staff member while impersonating, else
    the request's user. Give it to the services as their ``actor``.

    A session whose staff member no longer exists acts for nobody: refused.
    """
    if not is_impersonating(request):
        return request.user
    staff = impersonator(request)
    if staff is None:
        raise PermissionDenied(FORBIDDEN_MESSAGE)
    return staff


def _session_switch(request: HttpRequest, user) -> None:
    """Makes ``user`` the session's user in a fresh session, as ``login()`` would."""
    request.session.flush()
    request.session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    request.session[BACKEND_SESSION_KEY] = AUTH_BACKEND
    request.session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    request.user = user
    rotate_token(request)
    if hasattr(request, "_impersonator_cache"):
        del request._impersonator_cache


def impersonation_begin(request: HttpRequest, *, user) -> None:
    """Turns the staff member's session into ``user``'s, remembering who they are.

    The caller checks that ``request.user`` may impersonate ``user`` and records it.
    """
    staff = request.user
    if not (staff.is_authenticated and staff.is_active and staff.is_staff):
        raise ValueError("Only an active staff member can impersonate.")
    if is_impersonating(request):
        raise ValueError("Already impersonating: return to the backoffice first.")
    _session_switch(request, user)
    request.session[IMPERSONATOR_SESSION_KEY] = staff.pk
    request.session[IMPERSONATED_SESSION_KEY] = user.pk
    request.session[STARTED_SESSION_KEY] = timezone.now().isoformat()


def impersonation_finish(request: HttpRequest):
    """Gives the session back to the staff member and returns them.

    If that staff member can no longer use the backoffice (deactivated, no longer
    staff), the session just ends and None is returned.
    """
    staff = impersonator(request)
    if staff is not None and staff.is_active and staff.is_staff:
        _session_switch(request, staff)
        return staff
    logout(request)
    return None


def impersonation_forbidden_response(request: HttpRequest) -> HttpResponse:
    response = TemplateResponse(
        request,
        "core/impersonation_forbidden.html",
        {"message": FORBIDDEN_MESSAGE},
        status=403,
    )
    return response.render()


def forbid_while_impersonating(view):
    """Decorates a function view so it answers 403 while impersonating."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if is_impersonating(request):
            return impersonation_forbidden_response(request)
        return view(request, *args, **kwargs)

    return wrapper


class ForbidWhileImpersonatingMixin:
    """Class-based views: every method answers 403 while impersonating.

    Put it first among the bases so that it runs before anything else.
    """

    def dispatch(self, request, *args, **kwargs):
        if is_impersonating(request):
            return impersonation_forbidden_response(request)
        return super().dispatch(request, *args, **kwargs)


def impersonation_context(request: HttpRequest) -> dict:
    """What the impersonation banner needs (empty when not impersonating)."""
    staff = impersonator(request)
    if staff is None:
        return {}
    return {"impersonator": staff}
