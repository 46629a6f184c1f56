"""Under /api/, every error is the API's JSON, whoever answered it (an unknown
URL's 404, a method not taken, a crash outside an endpoint), never an HTML page."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from api.errors import error_response

PREFIX = "/api/"

MESSAGES = {
    400: ("bad_request", lambda: _("The request is not valid.")),
    403: ("forbidden", lambda: _("You are not allowed to do this.")),
    404: ("not_found", lambda: _("There is no such endpoint: see /api/docs/.")),
    405: ("method_not_allowed", lambda: _("This endpoint does not take this method.")),
    413: ("body_too_large", lambda: _("The request's body is too large.")),
}


def _is_api_error(response: HttpResponse) -> bool:
    """Whether the response already is ``{"error": {"code": ..., "message": ...}}``."""
    if not response.get("Content-Type", "").startswith("application/json"):
        return False
    if getattr(response, "streaming", False):
        return True
    try:
        body = json.loads(response.content)
    except ValueError:
        return False
    return isinstance(body, dict) and isinstance(body.get("error"), dict)


class ApiErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith(PREFIX)
            and response.status_code >= 400
            and not _is_api_error(response)
        ):
            return self._as_json(response)
        return response

    def _as_json(self, response: HttpResponse) -> HttpResponse:
        status = response.status_code
        code, message = MESSAGES.get(
            status,
            (
                ("server_error", lambda: _("Something went wrong on our side."))
                if status >= 500
                else ("error", lambda: _("The request failed."))
            ),
        )
        headers = {}
        if response.has_header("Allow"):
            headers["Allow"] = response["Allow"]
        if response.has_header("Retry-After"):
            headers["Retry-After"] = response["Retry-After"]
        return error_response(status, code, message(), headers=headers)
