"""/api/v1/expirations: list (by cursor, filtered by customer, state, product and
expiry dates), get, create, update; through the expirations module's services.

Imported only when the expirations module is installed (see ``api.v1``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from api.errors import ApiError
from api.models import Scope
from api.services import Answer
from api.v1.auth import KeyAuth
from api.v1.common import (
    AMOUNT_PATTERN,
    amount_format_message,
    customer_get,
    idempotent,
    validation_details,
)
from api.v1.customers import ErrorOut
from api.v1.paging import DEFAULT_LIMIT, MAX_LIMIT, page
from core.input import BIGINT_MAX, DATE_MAX, DATE_MIN
from expirations.models import Expiration, ExpirationSettings
from expirations.selectors import state_condition
from expirations.services.records import expiration_create, expiration_update

router = Router(tags=["expirations"])

READ = KeyAuth(Scope.EXPIRATIONS_READ)
WRITE = KeyAuth(Scope.EXPIRATIONS_WRITE)

# The error code of a refused field, by the field the service names.
FIELD_CODES = {
    "start_date": "date_invalid",
    "expiry_date": "date_invalid",
    "amount": "amount_invalid",
    "quantity": "quantity_invalid",
    "item": "item_invalid",
    "provenance": "provenance_invalid",
    "bank_institute": "bank_institute_invalid",
}
ID_MAX = BIGINT_MAX


class ExpirationOut(Schema):
    id: int
    customer_id: int
    product_id: int | None
    item: str
    label: str
    quantity: int
    amount: str
    notes: str
    start_date: date
    expiry_date: date
    state: str
    renewal_count: int
    last_renewed_on: date | None
    provenance_id: int | None
    bank_institute_id: int | None
    created_at: datetime
    updated_at: datetime


class ExpirationPage(Schema):
    data: list[ExpirationOut]
    next_cursor: str | None


class ExpirationFields(Schema):
    product: int | None = Field(
        None, ge=1, le=ID_MAX, description="A renewable product of the catalog (id)."
    )
    item: str = Field("", max_length=200, description="What expires, if no product.")
    quantity: int = Field(1, ge=1, le=2_147_483_647)
    amount: str | None = Field(
        None,
        max_length=20,
        description='A string with at most 2 decimals, e.g. "120.00"; left out: the '
        "product's price times the quantity.",
    )
    notes: str = Field("", max_length=5000)
    provenance: int | None = Field(None, ge=1, le=ID_MAX)
    bank_institute: int | None = Field(None, ge=1, le=ID_MAX)


class ExpirationIn(ExpirationFields):
    customer: str = Field(max_length=254, description="The customer's id or e-mail.")
    start_date: date
    expiry_date: date | None = Field(
        None, description="Left out: one renewal period of the product from the start."
    )


class ExpirationPatch(ExpirationFields):
    start_date: date | None = None
    expiry_date: date | None = None


def _soon_days() -> int:
    return ExpirationSettings.load().quick_renew_days


def expiration_json(
    expiration: Expiration, *, today: date, soon_days: int
) -> dict[str, Any]:
    return ExpirationOut(
        id=expiration.pk,
        customer_id=expiration.customer_id,
        product_id=expiration.product_id,
        item=expiration.item,
        label=expiration.label,
        quantity=expiration.quantity,
        amount=f"{expiration.amount:.2f}",
        notes=expiration.notes,
        start_date=expiration.start_date,
        expiry_date=expiration.expiry_date,
        state=expiration.state_on(today, soon_days),
        renewal_count=expiration.renewal_count,
        last_renewed_on=expiration.last_renewed_on,
        provenance_id=expiration.provenance_id,
        bank_institute_id=expiration.bank_institute_id,
        created_at=expiration.created_at,
        updated_at=expiration.updated_at,
    ).model_dump(mode="json")


def _serializer():
    today = timezone.localdate()
    soon_days = _soon_days()
    return lambda expiration: expiration_json(
        expiration, today=today, soon_days=soon_days
    )


def _expirations():
    return Expiration.objects.select_related("product")


def _expiration_get(expiration_id: int) -> Expiration:
    expiration = (
        _expirations().filter(pk=expiration_id).first()
        if 0 < expiration_id <= ID_MAX
        else None
    )
    if expiration is None:
        raise ApiError(
            404,
            "expiration_not_found",
            _("No expiration has the id %(id)s.") % {"id": expiration_id},
        )
    return expiration


def _date_checked(value: date | None, field: str) -> None:
    if value is not None and not DATE_MIN <= value <= DATE_MAX:
        raise ApiError(
            400,
            "date_invalid",
            _("Enter a date between %(min)s and %(max)s.")
            % {"min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()},
            details=[{"field": field, "message": _("Out of range.")}],
        )


def _amount_checked(amount: str | None) -> str | None:
    if amount is not None and not AMOUNT_PATTERN.match(amount):
        raise ApiError(400, "amount_invalid", amount_format_message())
    return amount


def _values(payload: ExpirationFields) -> dict[str, Any]:
    """The fields sent, as the service's keyword arguments."""
    sent = payload.model_dump(exclude_unset=True)
    sent.pop("customer", None)
    if "amount" in sent:
        _amount_checked(sent["amount"])
    renamed = {
        "product": "product_id",
        "provenance": "provenance_id",
        "bank_institute": "bank_institute_id",
    }
    return {renamed.get(name, name): value for name, value in sent.items()}


def _refused(error: ValidationError) -> ApiError:
    """The service's refusal as the API's error: the first field's code."""
    details = validation_details(error)
    code = "validation_error"
    message = error.messages[0]
    if hasattr(error, "error_dict"):
        field, items = next(iter(error.error_dict.items()))
        item_code = items[0].code
        if field == "product":
            code = (
                item_code
                if item_code in ("product_not_found", "product_not_renewable")
                else "product_invalid"
            )
        else:
            code = FIELD_CODES.get(field, "validation_error")
        message = items[0].messages[0]
    elif error.code == "not_found":
        return ApiError(404, "expiration_not_found", message)
    return ApiError(400, code, message, details=details)


@router.get("/expirations", response={200: ExpirationPage, 400: ErrorOut}, auth=READ)
def expirations_list(
    request: HttpRequest,
    cursor: str | None = None,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    customer: str | None = Query(None, max_length=254),
    state: Expiration.State | None = None,
    product: int | None = Query(None, ge=1, le=ID_MAX),
    expiring_from: date | None = None,
    expiring_to: date | None = None,
):
    """Expirations in id order; ``next_cursor`` gives the next page. ``customer``
    is an id or e-mail, ``state`` as the backoffice shows it (``expiring_soon``:
    within the quick-renew window), ``expiring_from`` / ``expiring_to`` bound the
    expiry date (both included)."""
    expirations = _expirations()
    if customer:
        expirations = expirations.filter(customer_id=customer_get(customer).pk)
    if state:
        expirations = expirations.filter(
            state_condition(state, today=timezone.localdate(), soon_days=_soon_days())
        )
    if product is not None:
        expirations = expirations.filter(product_id=product)
    _date_checked(expiring_from, "expiring_from")
    _date_checked(expiring_to, "expiring_to")
    if expiring_from and expiring_to and expiring_to < expiring_from:
        raise ApiError(
            400,
            "date_invalid",
            _("expiring_to is before expiring_from."),
        )
    if expiring_from:
        expirations = expirations.filter(expiry_date__gte=expiring_from)
    if expiring_to:
        expirations = expirations.filter(expiry_date__lte=expiring_to)
    return page(expirations, cursor=cursor, limit=limit, serialize=_serializer())


@router.get(
    "/expirations/{int:expiration_id}",
    response={200: ExpirationOut, 404: ErrorOut},
    auth=READ,
)
def expirations_get(request: HttpRequest, expiration_id: int):
    return _serializer()(_expiration_get(expiration_id))


@router.post(
    "/expirations",
    response={201: ExpirationOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    auth=WRITE,
)
def expirations_create(request: HttpRequest, payload: ExpirationIn) -> JsonResponse:
    """Records a service the customer has until ``expiry_date`` (needs an
    ``Idempotency-Key``). With a renewable ``product``, a missing amount is its
    price times the quantity and a missing expiry one renewal period."""
    customer = customer_get(payload.customer)
    values = _values(payload)

    def run(key: str) -> Answer:
        try:
            expiration = expiration_create(customer, **values)
        except ValidationError as error:
            raise _refused(error) from None
        return Answer(201, _serializer()(_expiration_get(expiration.pk)))

    return idempotent(request, run)


@router.patch(
    "/expirations/{int:expiration_id}",
    response={200: ExpirationOut, 400: ErrorOut, 404: ErrorOut},
    auth=WRITE,
)
def expirations_update(
    request: HttpRequest, expiration_id: int, payload: ExpirationPatch
):
    """Changes the fields sent, leaves the others (the history records what
    changed). Renewals and cancellations are done in the backoffice."""
    expiration = _expiration_get(expiration_id)
    values = _values(payload)
    for field in ("start_date", "expiry_date"):
        if field in values and values[field] is None:
            raise ApiError(
                400,
                "date_invalid",
                _("The start and expiry dates cannot be removed."),
                details=[{"field": field, "message": _("Send a date.")}],
            )
    try:
        expiration_update(expiration.customer, expiration_id=expiration.pk, **values)
    except ValidationError as error:
        raise _refused(error) from None
    return _serializer()(_expiration_get(expiration.pk))
