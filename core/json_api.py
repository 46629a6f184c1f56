"""JSON endpoints answer in JSON, their errors included.

A view that speaks JSON takes :class:`JsonApiMixin`. Then a method it does not
take is a JSON 405, and the site's error handlers (``core.views``: 400, 403, 404,
500 and the CSRF failure) answer JSON instead of an HTML page on its URLs, as they do
for a client that accepts JSON and not HTML. Errors look like
``{"error": "<a message a person can act on>", "errors": {<field>: [...]}}``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _


def json_error(message, status: int, errors: dict | None = None) -> JsonResponse:
    body: dict[str, Any] = {"error": str(message)}
    if errors:
        body["errors"] = errors
    return JsonResponse(body, status=status)


class JsonApiMixin:
    """For a class-based view that answers JSON (see the module's docstring)."""

    json_api = True

    def http_method_not_allowed(self, request, *args, **kwargs):
        allowed = self._allowed_methods()  # type: ignore[attr-defined]  # View's
        response = json_error(
            _("This method is not allowed here. Use %(methods)s.")
            % {"methods": ", ".join(allowed)},
            405,
        )
        response["Allow"] = ", ".join(allowed)
        return response


def wants_json(request: HttpRequest) -> bool:
    """Whether an error on this request is answered in JSON: its URL is a JSON
    endpoint, or the client accepts JSON and not HTML."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        view = getattr(match.func, "view_class", match.func)
        if getattr(view, "json_api", False):
            return True
    return request.accepts("application/json") and not request.accepts("text/html")
