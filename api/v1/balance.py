"""/api/v1/customers/{ref}/balance, /entries, /credit and /debit: through the
balance module's services, the API key recorded as who posted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse
from ninja import Field, Query, Router, Schema

from api.errors import ApiError
from api.models import Scope
from api.services import Answer
from api.v1.auth import KeyAuth, request_key
from api.v1.common import amount_parse, customer_get, idempotent, validation_details
from api.v1.customers import ErrorOut
from api.v1.paging import DEFAULT_LIMIT, MAX_LIMIT, page
from balance.models import Entry
from balance.services import Author, balance_credit, balance_debit

router = Router(tags=["balance"])

READ = KeyAuth(Scope.BALANCE_READ)
WRITE = KeyAuth(Scope.BALANCE_WRITE)
NOTE_MAX = 1000


class BalanceOut(Schema):
    customer_id: int
    currency: str
    balance: str
    held: str
    available: str


class EntryOut(Schema):
    id: int
    customer_id: int
    amount: str
    kind: str
    note: str
    balance_after: str
    author: str
    created_at: datetime


class EntryPage(Schema):
    data: list[EntryOut]
    next_cursor: str | None


class MoveIn(Schema):
    amount: str = Field(
        description='A string with at most 2 decimals, e.g. "12.50"; never a number.',
        max_length=20,
    )
    note: str = Field("", max_length=NOTE_MAX, description="Why: shown in the ledger.")


def entry_json(entry: Entry) -> dict[str, Any]:
    return EntryOut(
        id=entry.pk,
        customer_id=entry.customer_id,
        amount=f"{entry.amount:.2f}",
        kind=entry.kind,
        note=entry.note,
        balance_after=f"{entry.balance_after:.2f}",
        author=entry.author_label,
        created_at=entry.created_at,
    ).model_dump(mode="json")


@router.get(
    "/customers/{ref}/balance", response={200: BalanceOut, 404: ErrorOut}, auth=READ
)
def balance_get(request: HttpRequest, ref: str):
    customer = customer_get(ref)
    return {
        "customer_id": customer.pk,
        "currency": settings.CURRENCY,
        "balance": f"{customer.balance:.2f}",
        "held": f"{customer.balance_held:.2f}",
        "available": f"{customer.balance - customer.balance_held:.2f}",
    }


@router.get(
    "/customers/{ref}/entries", response={200: EntryPage, 404: ErrorOut}, auth=READ
)
def entries_list(
    request: HttpRequest,
    ref: str,
    cursor: str | None = None,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
):
    """The customer's ledger, newest first (by id); ``next_cursor`` pages on."""
    customer = customer_get(ref)
    return page(
        Entry.objects.filter(customer_id=customer.pk),
        cursor=cursor,
        limit=limit,
        serialize=entry_json,
        newest_first=True,
    )


def _move(request: HttpRequest, ref: str, payload: MoveIn, service) -> JsonResponse:
    api_key = request_key(request)
    customer = customer_get(ref)
    amount = amount_parse(payload.amount)

    def run(key: str) -> Answer:
        try:
            entry = service.in_transaction(
                customer_id=customer.pk,
                amount=amount,
                author=Author.system(api_key.author_label),
                idempotency_key=f"api:{api_key.pk}:{key}",
                note=payload.note,
            )
        except ValidationError as error:
            if error.code == "insufficient":
                raise ApiError(422, "insufficient_funds", error.messages[0]) from None
            if error.code == "key_reused":
                raise ApiError(
                    409, "idempotency_key_reused", error.messages[0]
                ) from None
            raise ApiError(
                400,
                "validation_error",
                error.messages[0],
                details=validation_details(error),
            ) from None
        # The service set created_at from the INSERT's RETURNING (the database's
        # clock): no need to read the entry back.
        return Answer(201, entry_json(entry))

    return idempotent(request, run)


@router.post(
    "/customers/{ref}/credit",
    response={201: EntryOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    auth=WRITE,
)
def balance_credit_post(request: HttpRequest, ref: str, payload: MoveIn):
    """Adds ``amount`` to the customer's balance (needs an ``Idempotency-Key``)."""
    return _move(request, ref, payload, balance_credit)


@router.post(
    "/customers/{ref}/debit",
    response={
        201: EntryOut,
        400: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
    auth=WRITE,
)
def balance_debit_post(request: HttpRequest, ref: str, payload: MoveIn):
    """Takes ``amount`` from the available balance (needs an ``Idempotency-Key``);
    more than is available is refused (``insufficient_funds``)."""
    return _move(request, ref, payload, balance_debit)
