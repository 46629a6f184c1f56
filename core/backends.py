from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


def login_email_normalize(email: str | None) -> str:
    """The login rule for an e-mail address: surrounding spaces dropped, lower case."""
    return get_user_model().objects.normalize_email(email)


class EmailBackend(ModelBackend):
    """Authenticates by e-mail address, case-insensitively."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        email = username or kwargs.get("email")
        if not email or password is None:
            return None
        user_model = get_user_model()
        try:
            user = user_model.objects.get_by_natural_key(email)
        except user_model.DoesNotExist:
            # Run the hasher anyway so timing does not reveal which e-mails exist.
            user_model().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def axes_username(request, credentials: dict | None = None) -> str | None:
    """The name django-axes counts failed logins under (``AXES_USERNAME_CALLABLE``).

    The same rule as the login: ``LOCKME@example.com `` and ``lockme@example.com``
    are one account, so they share one counter and one lockout.
    """
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        email = credentials.get(field) or credentials.get("email")
    else:
        email = getattr(request, "POST", {}).get(field)
    if not isinstance(email, str):
        return None
    return login_email_normalize(email) or None


def client_ip(request) -> str:
    """The client's address as the login lockout sees it (``TRUSTED_PROXY_COUNT``),
    for the other per-address limits."""
    return get_client_ip_address(request) or request.META.get("REMOTE_ADDR") or ""
