"""Writes on customers that carry a business rule."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.automation_events import automation_event_send
from core.services import email_queue
from customers.events import customer_created_publish
from customers.models import Customer, CustomerEvent
from customers.services.events import customer_event_record

User = get_user_model()

LOGIN_EMAIL_PERMISSION = "customers.change_customer_login_email"


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def customer_email_taken(email: str, *, exclude_pk: int | None = None) -> bool:
    queryset = Customer.objects.filter(email__iexact=normalize_email(email))
    if exclude_pk is not None:
        queryset = queryset.exclude(pk=exclude_pk)
    return queryset.exists()


# How a customer was created, as "customer.created" tells funnels. An API-created
# customer also carries it as its ``source`` (a sign-up's is "signup").
CREATED_BY_STAFF = "staff"
CREATED_THROUGH_API = "api"


@transaction.atomic
def customer_create(
    *, email: str, created_via: str = CREATED_BY_STAFF, **fields
) -> Customer:
    """Creates a customer; an e-mail that another customer has is refused.

    ``created_via``: "staff" (the backoffice) or "api" (an API key; recorded as
    the customer's source, shown on the card's Origin).
    """
    if created_via not in (CREATED_BY_STAFF, CREATED_THROUGH_API):
        raise ValueError(f"customer_create: unknown created_via {created_via!r}")
    email = normalize_email(email)
    if customer_email_taken(email):
        raise ValidationError(
            {"email": _("A customer with this e-mail already exists.")},
            code="duplicate_email",
        )
    if created_via == CREATED_THROUGH_API:
        fields.setdefault("source", CREATED_THROUGH_API)
    customer = Customer(email=email, **fields)
    customer.full_clean()
    customer.save()
    customer_created_send(customer, source=created_via)
    return customer


def customer_created_send(customer: Customer, *, source: str) -> None:
    """Fires the funnel trigger "customer.created" and publishes the event with the
    customer's fields (``source``: "signup", "staff" or "api").

    A CSV import does not fire it: an import brings in customers who already exist
    elsewhere (a welcome series would greet long-standing customers), and 100,000
    rows would be 100,000 enrolments inside the import's batches; staff enrol the
    imported customers in a funnel from the customer list instead (set-based).
    """
    automation_event_send(
        "customer.created",
        customer_id=customer.pk,
        entry_key=f"customer:{customer.pk}:created",
        payload={"source": source},
    )
    customer_created_publish(customer, created_via=source)


@transaction.atomic
def customer_login_set_password(*, customer: Customer, password: str) -> Customer:
    """Enables the customer's login with this password (creating it if needed)."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    user = customer.user
    if user is None:
        if User.objects.filter(email__iexact=customer.email).exists():
            raise ValidationError(
                _("Another account already logs in with this e-mail."),
                code="login_email_taken",
            )
        user = User(
            email=customer.email,
            first_name=customer.first_name,
            last_name=customer.last_name,
            language=customer.language,
        )
    if user.is_staff:
        raise ValidationError(
            _("A staff account cannot be used as a customer login."), code="staff"
        )
    user.is_active = True
    user.set_password(password)
    user.save()
    if customer.user_id != user.pk:
        customer.user = user
        customer.save(update_fields=["user", "updated_at"])
    return customer


def login_email_change_allowed(*, customer: Customer, actor) -> bool:
    """Whether ``actor`` may change the customer's e-mail address.

    A customer's login follows their e-mail, and "Forgot your password?" sends its
    link there: whoever changes the e-mail of a customer who has a login can take
    the account over. So that needs ``customers.change_customer_login_email``
    (a Manager's), not only "change customer". A customer without a login is
    anyone's to edit. ``actor`` None is the system, or the customer's own change
    that their password confirmed (``customer_email_change``), which may.
    """
    return (
        customer.user_id is None
        or actor is None
        or actor.has_perm(LOGIN_EMAIL_PERMISSION)
    )


@transaction.atomic
def customer_update(*, customer: Customer, actor=None, **fields) -> Customer:
    """Changes a customer's data; an e-mail that another customer has is refused.

    ``actor`` is the staff member making the change (None: the system, or the
    customer's own confirmed e-mail change). Staff change the e-mail of a customer
    who has a login only with ``customers.change_customer_login_email``; when they
    do, the timeline records who and both addresses, and the old address is told.
    """
    unknown = set(fields) - {field.name for field in Customer._meta.fields}
    if unknown:
        raise ValueError(f"Unknown customer fields: {', '.join(sorted(unknown))}")
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    previous_email, previous_language = customer.email, customer.language
    login_email_changes = False
    if "email" in fields:
        fields["email"] = normalize_email(fields["email"])
        login_email_changes = customer.user_id is not None and fields[
            "email"
        ] != normalize_email(previous_email)
        if login_email_changes and not login_email_change_allowed(
            customer=customer, actor=actor
        ):
            raise ValidationError(
                {
                    "email": ValidationError(
                        _(
                            "This customer logs in with this e-mail: ask a "
                            "manager to change it."
                        ),
                        code="permission",
                    )
                }
            )
        if customer_email_taken(fields["email"], exclude_pk=customer.pk):
            raise ValidationError(
                {"email": _("A customer with this e-mail already exists.")},
                code="duplicate_email",
            )
    for name, value in fields.items():
        setattr(customer, name, value)
    customer.full_clean(exclude=["user"])
    customer.save()
    if customer.user_id is not None and "email" in fields:
        # The login follows the customer's e-mail address.
        user = customer.user
        assert user is not None  # user_id is set
        if user.email != customer.email:
            if (
                User.objects.filter(email__iexact=customer.email)
                .exclude(pk=user.pk)
                .exists()
            ):
                raise ValidationError(
                    {"email": _("Another account already logs in with this e-mail.")},
                    code="login_email_taken",
                )
            user.email = customer.email
            user.save(update_fields=["email"])
    if login_email_changes and actor is not None and actor.is_authenticated:
        _login_email_change_tell(
            customer=customer,
            actor=actor,
            previous_email=previous_email,
            language=previous_language,
        )
    return customer


def _login_email_change_tell(
    *, customer: Customer, actor, previous_email: str, language: str
) -> None:
    """Records that staff moved the customer's login to another e-mail, and tells
    the address it left (in the language it was written to until now): a change
    the customer did not ask for must not go unnoticed by the one who can tell."""
    event = customer_event_record(
        customer=customer,
        kind=CustomerEvent.Kind.LOGIN_EMAIL_CHANGED,
        actor=actor,
        detail=_("From %(old)s to %(new)s")
        % {"old": previous_email, "new": customer.email},
        data={
            "old_email": previous_email,
            "new_email": customer.email,
            "changed_by": actor.pk,
            "changed_by_email": actor.email,
        },
    )
    email_queue(
        event_key=f"customer.login_email_changed_by_staff:{event.pk}",
        to=previous_email,
        template="login_email_changed_by_staff",
        context={
            "name": customer.first_name,
            "old_email": previous_email,
            "new_email": customer.email,
        },
        language=language,
    )
