"""Request and response rules that hold for every page, whatever app serves it."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.cache import patch_cache_control

# Room for a multipart body's plain fields and part headers next to its files.
MULTIPART_FIELDS_MARGIN = 1024 * 1024


def upload_allowance(file_bytes: int) -> int:
    """The ``request_body_max_bytes`` of a view that takes ``file_bytes`` of files."""
    return file_bytes + MULTIPART_FIELDS_MARGIN


def request_body_allowance(view_func) -> int | None:
    """The body size a view accepts beyond the site's cap, if it takes uploads.

    A view declares it with a ``request_body_max_bytes`` attribute (on the class of
    a class-based view, or on the function).
    """
    allowance = getattr(view_func, "request_body_max_bytes", None)
    if allowance is None:
        allowance = getattr(
            getattr(view_func, "view_class", None), "request_body_max_bytes", None
        )
    return allowance


class RequestBodyLimitMiddleware:
    """Refuses with 413, before anything reads it, a body larger than allowed.

    Django stops a form body past ``DATA_UPLOAD_MAX_MEMORY_SIZE`` only while reading
    it, and for a multipart body it counts the plain fields only: the files stream
    to temporary files, however large. This looks at ``Content-Length`` instead,
    once the view is known: ``REQUEST_BODY_MAX_BYTES`` everywhere, more for a view
    that takes uploads, and that only for someone logged in, so a stranger cannot
    make the server write 100 MB to disk. A body without a length is read as
    empty by Django, so it cannot pass unseen.

    Must come before ``CsrfViewMiddleware``, whose ``process_view`` reads the form.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.REQUEST_BODY_MAX_BYTES
        if length <= limit:
            return None
        allowance = request_body_allowance(view_func)
        if allowance is not None and request.user.is_authenticated:
            limit = max(limit, allowance)
        if length <= limit:
            return None
        return render(
            request,
            "413.html",
            {"limit": filesizeformat(limit), "size": filesizeformat(length)},
            status=413,
        )


class PrivateCacheMiddleware:
    """``Cache-Control: private, no-store`` on what only its reader may keep.

    Pages shown to someone logged in, and files sent as downloads (exports, PDF
    reports, attachments), must not stay in a shared cache nor in the browser's
    after logging out. A view that set its own ``Cache-Control`` keeps it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response
        user = getattr(request, "user", None)
        private = (user is not None and user.is_authenticated) or response.has_header(
            "Content-Disposition"
        )
        if private:
            patch_cache_control(response, private=True, no_store=True)
        return response
