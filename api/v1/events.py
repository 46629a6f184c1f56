"""POST /api/v1/events: another system says something happened to a customer;
funnels (and goals) on the "API event" trigger with that event name react."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse
from ninja import Field, Router, Schema

from api.errors import ApiError
from api.models import Scope
from api.services import (
    EVENT_ID_MAX,
    Answer,
    api_event_send,
)
from api.v1.auth import KeyAuth, request_key
from api.v1.common import customer_get, idempotent, validation_details
from api.v1.customers import ErrorOut

router = Router(tags=["events"])

WRITE = KeyAuth(Scope.EVENTS_WRITE)


class EventIn(Schema):
    # Its pattern and length are checked by the service (code "event_invalid").
    event: str = Field(
        description="The event's name, e.g. order_shipped: funnels on the trigger "
        "“API event” with this name start (filed as api.order_shipped).",
    )
    customer: str = Field(max_length=254, description="The customer's id or e-mail.")
    data: dict[str, Any] = Field(
        default_factory=dict,
        description="Anything the funnel should keep (at most 16 KB of JSON).",
    )
    id: str | None = Field(
        None,
        max_length=EVENT_ID_MAX,
        description="Your id of this occurrence: the same id twice (for the same "
        "event and customer) enrols once. Left out: the Idempotency-Key is used.",
    )


class EventOut(Schema):
    event: str
    trigger: str
    customer_id: int
    entry_key: str


@router.post(
    "/events",
    response={202: EventOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    auth=WRITE,
)
def events_send(request: HttpRequest, payload: EventIn) -> JsonResponse:
    """Fires the funnel trigger ``api.<event>`` for the customer (needs an
    ``Idempotency-Key``); answers 202 whether or not a funnel listens."""
    api_key = request_key(request)
    customer = customer_get(payload.customer)

    def run(key: str) -> Answer:
        try:
            sent = api_event_send(
                api_key=api_key,
                event=payload.event,
                customer_id=customer.pk,
                occurrence=payload.id or key,
                data=payload.data,
            )
        except ValidationError as error:
            items = [item for items in error.error_dict.values() for item in items]
            raise ApiError(
                400,
                items[0].code or "validation_error",
                items[0].messages[0],
                details=validation_details(error),
            ) from None
        return Answer(
            202,
            EventOut(
                event=sent.event,
                trigger=sent.trigger_name,
                customer_id=sent.customer_id,
                entry_key=sent.entry_key,
            ).model_dump(mode="json"),
        )

    return idempotent(request, run)
