"""What the endpoints share: amounts, the customer from the path, idempotent POSTs."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _

from api.errors import ApiError
from api.services import (
    Answer,
    IdempotencyConflict,
    idempotent_run,
    request_hash,
)
from api.v1.auth import request_key
from core.money import MAX_AMOUNT
from customers.models import Customer

AMOUNT_PATTERN = re.compile(r"^[0-9]{1,12}(\.[0-9]{1,2})?$")
IDEMPOTENCY_KEY_MAX = 150


def amount_format_message() -> str:
    return _(
        'Send the amount as a string of digits with at most 2 decimals, e.g. "12.50".'
    )


def amount_parse(value: str) -> Decimal:
    """A positive amount sent as a string ("12.50"): at most 2 decimals, within
    the ledger's columns."""
    if not AMOUNT_PATTERN.match(value):
        raise ApiError(
            400,
            "amount_invalid",
            amount_format_message(),
        )
    amount = Decimal(value)
    if amount <= 0:
        raise ApiError(
            400, "amount_invalid", _("The amount must be greater than zero.")
        )
    if amount > MAX_AMOUNT:
        raise ApiError(
            400,
            "amount_invalid",
            _("The amount may be at most %(max)s.") % {"max": MAX_AMOUNT},
        )
    return amount


def customer_get(ref: str, queryset=None) -> Customer:
    """The customer ``ref`` names: its id (digits) or its e-mail address."""
    queryset = queryset if queryset is not None else Customer.objects.all()
    customer = None
    if ref.isascii() and ref.isdigit():
        if len(ref) <= 18:
            customer = queryset.filter(pk=int(ref)).first()
    elif "@" in ref:
        customer = queryset.filter(email__iexact=ref.strip()).first()
    if customer is None:
        raise ApiError(
            404,
            "customer_not_found",
            _("No customer has the id or e-mail “%(ref)s”.") % {"ref": ref[:254]},
        )
    return customer


def validation_details(error: ValidationError) -> list[dict[str, Any]]:
    if hasattr(error, "error_dict"):
        return [
            {"field": field, "message": message}
            for field, messages in error.message_dict.items()
            for message in messages
        ]
    return [{"field": None, "message": message} for message in error.messages]


def idempotent(request: HttpRequest, run: Callable[[str], Answer]) -> JsonResponse:
    """Answers a POST once per ``Idempotency-Key`` (see ``api.services``).

    ``run`` takes the key. A refusal it raises as ``ApiError`` is an answer too:
    the same request again gets the same refusal.
    """
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        raise ApiError(
            400,
            "idempotency_key_missing",
            _("Send an Idempotency-Key header (e.g. a UUID) with every POST."),
        )
    if len(key) > IDEMPOTENCY_KEY_MAX:
        raise ApiError(
            400,
            "idempotency_key_invalid",
            _("The Idempotency-Key may be at most %(max)s characters long.")
            % {"max": IDEMPOTENCY_KEY_MAX},
        )

    def answered() -> Answer:
        try:
            return run(key)
        except ApiError as error:
            return Answer(error.status, error.body)

    try:
        answer = idempotent_run(
            api_key=request_key(request),
            key=key,
            digest=request_hash(request.method or "POST", request.path, request.body),
            run=answered,
        )
    except IdempotencyConflict:
        raise ApiError(
            409,
            "idempotency_key_reused",
            _(
                "This Idempotency-Key was already used for a different request: "
                "use a new key for a new request."
            ),
        ) from None
    response = JsonResponse(answer.body, status=answer.status, safe=False)
    if answer.replayed:
        response["Idempotent-Replayed"] = "true"
    return response
