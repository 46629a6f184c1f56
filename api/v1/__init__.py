"""Version 1 of the integration API: one NinjaAPI, its routers, its JSON errors.

The balance's (expirations') endpoints are there when the balance (expirations)
module is installed: their routers are imported only then, so ``api`` never
imports a module that is switched off. Custom events need no module: with
automation off nothing listens.
"""

from __future__ import annotations

import logging

from django.apps import apps
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError

from api.errors import ApiError, error_response
from api.v1.common import amount_format_message

logger = logging.getLogger(__name__)


def _docs_decorator(view):
    # Swagger UI's stylesheet draws its icons as data: images; only this page
    # allows them (scripts and the rest stay 'self').
    from csp.decorators import csp_update

    return csp_update({"img-src": ["data:"]})(view)


api = NinjaAPI(
    title="Clientela API",
    version="1",
    description=(
        "Send `Authorization: Bearer <key>` (Settings → API keys) and, with every "
        "POST, an `Idempotency-Key` header. Amounts are strings with 2 decimals. "
        'Errors are `{"error": {"code": "...", "message": "..."}}`.'
    ),
    # Nested in the app's namespace ("api", see api.urls); ninja supports that.
    urls_namespace="api:v1",
    # Swagger UI from our static files (ninja's bundle, as "ninja" is installed).
    docs=Swagger(),
    docs_url="/docs/",
    docs_decorator=_docs_decorator,
)


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, error: ApiError) -> HttpResponse:
    return error_response(
        error.status,
        error.code,
        error.message,
        details=error.details,
        headers=error.headers,
    )


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, error: Exception) -> HttpResponse:
    return error_response(
        401,
        "key_missing",
        _("Send your API key as the header “Authorization: Bearer <key>”."),
    )


def _field(location) -> str | None:
    """("body", "payload", "amount") → "amount"; ("query", "limit") → "limit"."""
    parts = [str(part) for part in location[1:]]
    if location and location[0] == "body" and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts) or None


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, error: ValidationError) -> HttpResponse:
    details = [
        {"field": _field(item.get("loc", ())), "message": item.get("msg", "")}
        for item in error.errors
    ]
    dates = {"start_date", "expiry_date", "expiring_from", "expiring_to"}
    if any(detail["field"] in dates for detail in details):
        return error_response(
            400,
            "date_invalid",
            _("Send dates as YYYY-MM-DD: see details."),
            details=details,
        )
    if any(detail["field"] == "amount" for detail in details):
        # A number (12.5) where a string is due: say what an amount looks like.
        return error_response(
            400, "amount_invalid", amount_format_message(), details=details
        )
    return error_response(
        400,
        "validation_error",
        _("Some fields are missing or not valid: see details."),
        details=details,
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    if error.status_code == 400:
        return error_response(
            400, "invalid_json", _("The request's body is not valid JSON.")
        )
    return error_response(error.status_code, "http_error", str(error))


@api.exception_handler(Exception)
def _crashed(request: HttpRequest, error: Exception) -> HttpResponse:
    logger.exception("API request failed: %s %s", request.method, request.path)
    return error_response(
        500,
        "server_error",
        _("Something went wrong on our side; nothing was changed. Try again later."),
    )


def _routers() -> None:
    from api.v1.customers import router as customers_router
    from api.v1.events import router as events_router

    api.add_router("/v1/", customers_router)
    api.add_router("/v1/", events_router)
    if apps.is_installed("balance"):
        from api.v1.balance import router as balance_router

        api.add_router("/v1/", balance_router)
    if apps.is_installed("expirations"):
        from api.v1.expirations import router as expirations_router

        api.add_router("/v1/", expirations_router)


_routers()
