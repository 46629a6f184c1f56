"""The API's errors: always ``{"error": {"code": "...", "message": "..."}}``."""

from __future__ import annotations

from typing import Any

from django.http import JsonResponse


class ApiError(Exception):
    """Raised anywhere under an endpoint; answered as the JSON error."""

    def __init__(
        self,
        status: int,
        code: str,
        message: Any,
        *,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(str(message))
        self.status = status
        self.code = code
        self.message = str(message)
        self.details = details
        self.headers = headers or {}

    @property
    def body(self) -> dict[str, Any]:
        return error_body(self.code, self.message, self.details)


def error_body(code: str, message: Any, details: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": str(message)}
    if details:
        error["details"] = details
    return {"error": error}


def error_response(
    status: int,
    code: str,
    message: Any,
    *,
    details: Any = None,
    headers: dict[str, str] | None = None,
) -> JsonResponse:
    response = JsonResponse(error_body(code, message, details), status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response
