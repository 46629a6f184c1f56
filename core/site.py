"""The site's public address, for links that leave the site (e-mails).

During a request a link points where the visitor reached us (the request's scheme
and host, which ``ALLOWED_HOSTS`` has already vetted); outside one (a periodic job
in the worker) it points at ``SITE_URL``. E-mails are rendered later by a worker,
so their links are computed here when they are queued.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponseBase

_current_request: ContextVar[HttpRequest | None] = ContextVar(
    "clientela_current_request", default=None
)


def absolute_url(path: str, *, request: HttpRequest | None = None) -> str:
    """``path`` on the address of ``request`` (or of the request being served),
    else on ``SITE_URL``."""
    request = request or _current_request.get()
    if request is not None:
        try:
            return request.build_absolute_uri(path)
        except DisallowedHost:
            pass  # a host we do not serve: the configured address instead
    return settings.SITE_URL.rstrip("/") + path


class RequestAddressMiddleware:
    """Makes the request's address the one :func:`absolute_url` uses meanwhile."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)
