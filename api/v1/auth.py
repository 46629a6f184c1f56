"""``Authorization: Bearer <key>``: who calls, whether the key may, how often."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from api.errors import ApiError
from api.models import ApiKey
from api.services import api_key_authenticate, api_key_rate_limited


class KeyAuth(HttpBearer):
    """An endpoint's auth: a valid, unrevoked key with ``scope``, under its rate
    limit. Unknown or revoked: 401; over the limit: 429; scope missing: 403."""

    def __init__(self, scope: str):
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey:
        api_key = api_key_authenticate(token.strip())
        if api_key is None:
            raise ApiError(
                401,
                "key_invalid",
                _("This API key is not valid or was revoked."),
            )
        wait = api_key_rate_limited(api_key)
        if wait:
            raise ApiError(
                429,
                "rate_limited",
                _("Too many requests for this key: try again in %(seconds)s s.")
                % {"seconds": wait},
                headers={"Retry-After": str(wait)},
            )
        if self.scope not in api_key.scopes:
            raise ApiError(
                403,
                "scope_missing",
                _("This API key lacks the “%(scope)s” scope.") % {"scope": self.scope},
            )
        return api_key


def request_key(request: HttpRequest) -> ApiKey:
    """The key the request was authenticated with."""
    api_key = request.auth  # type: ignore[attr-defined]  # set by ninja
    assert isinstance(api_key, ApiKey)
    return api_key
