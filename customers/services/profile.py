"""Writes on customers that carry a business rule."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from customers.models import Customer

User = get_user_model()


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def customer_email_taken(email: str, *, exclude_pk: int | None = None) -> bool:
    queryset = Customer.objects.filter(email__iexact=normalize_email(email))
    if exclude_pk is not None:
        queryset = queryset.exclude(pk=exclude_pk)
    return queryset.exists()


@transaction.atomic
def customer_create(*, email: str, **fields) -> Customer:
    """Creates a customer; an e-mail that another customer has is refused."""
    email = normalize_email(email)
    if customer_email_taken(email):
        raise ValidationError(
            {"email": _("A customer with this e-mail already exists.")},
            code="duplicate_email",
        )
    customer = Customer(email=email, **fields)
    customer.full_clean()
    customer.save()
    return customer


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


@transaction.atomic
def customer_update(*, customer: Customer, **fields) -> Customer:
    """Changes a customer's data; an e-mail that another customer has is refused."""
    unknown = set(fields) - {field.name for field in Customer._meta.fields}
    if unknown:
        raise ValueError(f"Unknown customer fields: {', '.join(sorted(unknown))}")
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if "email" in fields:
        fields["email"] = normalize_email(fields["email"])
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
    return customer
