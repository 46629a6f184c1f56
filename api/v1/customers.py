"""/api/v1/customers: list (by cursor, a few of the staff list's filters), get by
id or e-mail, create, update."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from api.errors import ApiError
from api.models import Scope
from api.services import Answer
from api.v1.auth import KeyAuth
from api.v1.common import customer_get, idempotent, validation_details
from api.v1.paging import DEFAULT_LIMIT, MAX_LIMIT, page
from customers.models import Customer, Tag
from customers.search import SEARCH_MAX_LENGTH, customer_search_q
from customers.services import customer_create, customer_update
from customers.services.profile import CREATED_THROUGH_API

router = Router(tags=["customers"])

READ = KeyAuth(Scope.CUSTOMERS_READ)
WRITE = KeyAuth(Scope.CUSTOMERS_WRITE)


class CustomerOut(Schema):
    id: int
    email: str
    first_name: str
    last_name: str
    phone: str
    mobile: str
    language: str
    birth_date: date | None
    address: str
    city: str
    region: str
    postal_code: str
    country: str
    company_name: str
    vat_number: str
    newsletter_subscribed: bool
    tags: list[str]
    created_at: datetime
    updated_at: datetime


class CustomerPage(Schema):
    data: list[CustomerOut]
    next_cursor: str | None


class CustomerFields(Schema):
    first_name: str = Field("", max_length=150)
    last_name: str = Field("", max_length=150)
    phone: str = Field("", max_length=40)
    mobile: str = Field("", max_length=40)
    language: str = Field("", max_length=10)
    birth_date: date | None = None
    address: str = Field("", max_length=255)
    city: str = Field("", max_length=120)
    region: str = Field("", max_length=120)
    postal_code: str = Field("", max_length=20)
    country: str = Field("", max_length=2)
    company_name: str = Field("", max_length=200)
    vat_number: str = Field("", max_length=40)


class CustomerIn(CustomerFields):
    email: str = Field(max_length=254)


class CustomerPatch(CustomerFields):
    email: str = Field("", max_length=254)


class ErrorDetail(Schema):
    code: str
    message: str


class ErrorOut(Schema):
    error: ErrorDetail


def customer_json(customer: Customer) -> dict[str, Any]:
    return CustomerOut(
        **{
            name: getattr(customer, name)
            for name in CustomerOut.model_fields
            if name != "tags"
        },
        tags=[tag.name for tag in customer.tags.all()],
    ).model_dump(mode="json")


def _customers():
    return Customer.objects.prefetch_related("tags")


def _refused(error: ValidationError) -> ApiError:
    codes = {getattr(error, "code", None)}
    if hasattr(error, "error_dict"):
        codes |= {item.code for items in error.error_dict.values() for item in items}
    if "duplicate_email" in codes or any(
        "already exists" in message for message in error.messages
    ):
        return ApiError(
            409,
            "customer_email_taken",
            _("A customer with this e-mail already exists."),
            details=validation_details(error),
        )
    return ApiError(
        400,
        "validation_error",
        _("Some fields are not valid: see details."),
        details=validation_details(error),
    )


@router.get("/customers", response={200: CustomerPage}, auth=READ)
def customers_list(
    request: HttpRequest,
    cursor: str | None = None,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    email: str | None = Query(None, max_length=254),
    tag: str | None = Query(None, max_length=60),
    search: str | None = Query(None, max_length=SEARCH_MAX_LENGTH),
):
    """Customers in id order; ``next_cursor`` gives the next page. ``email`` is
    exact (any case), ``tag`` a tag's name, ``search`` the staff list's search."""
    customers = _customers()
    if email:
        customers = customers.filter(email__iexact=email.strip())
    if tag:
        found = Tag.objects.filter(name__iexact=tag.strip()).first()
        if found is None:
            raise ApiError(
                400, "tag_not_found", _("No tag is named “%(tag)s”.") % {"tag": tag}
            )
        customers = customers.filter(
            Exists(
                Customer.tags.through.objects.filter(
                    customer_id=OuterRef("pk"), tag_id=found.pk
                )
            )
        )
    if search:
        customers = customers.filter(customer_search_q(search))
    return page(customers, cursor=cursor, limit=limit, serialize=customer_json)


@router.get("/customers/{ref}", response={200: CustomerOut, 404: ErrorOut}, auth=READ)
def customers_get(request: HttpRequest, ref: str):
    """One customer, by id (``/customers/42``) or e-mail
    (``/customers/ada@example.com``)."""
    return customer_json(customer_get(ref, _customers()))


@router.post(
    "/customers",
    response={201: CustomerOut, 400: ErrorOut, 409: ErrorOut},
    auth=WRITE,
)
def customers_create(request: HttpRequest, payload: CustomerIn) -> JsonResponse:
    """Creates a customer (needs an ``Idempotency-Key`` header)."""

    def run(key: str) -> Answer:
        fields = payload.model_dump(exclude_unset=True)
        try:
            customer = customer_create(created_via=CREATED_THROUGH_API, **fields)
        except ValidationError as error:
            raise _refused(error) from None
        return Answer(201, customer_json(customer))

    return idempotent(request, run)


@router.patch(
    "/customers/{ref}",
    response={200: CustomerOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    auth=WRITE,
)
def customers_update(request: HttpRequest, ref: str, payload: CustomerPatch):
    """Changes the fields sent, leaves the others. The e-mail of a customer who
    logs in with it is changed in the backoffice only (it is their login)."""
    customer = customer_get(ref)
    fields = payload.model_dump(exclude_unset=True)
    if (
        "email" in fields
        and customer.user_id is not None
        and fields["email"].strip().lower() != customer.email.lower()
    ):
        raise ApiError(
            403,
            "email_is_login",
            _(
                "This customer logs in with this e-mail: a manager changes it in "
                "the backoffice."
            ),
        )
    try:
        customer = customer_update(customer=customer, **fields)
    except ValidationError as error:
        raise _refused(error) from None
    return customer_json(_customers().get(pk=customer.pk))
