"""Staff's records: expirations added, changed, cancelled and deleted by hand, the
provenance and bank-institute lists, and the module's settings.

Every change of an expiration writes an :class:`ExpirationEvent` (its history).
Rule breaks raise ``ValidationError`` keyed by the form field they concern, and
nothing is saved.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from core.input import INT_MAX, business_date_check, id_parse
from core.money import amount_check, quantize
from customers.models import Customer
from expirations.models import (
    BankInstitute,
    Expiration,
    ExpirationEvent,
    ExpirationSettings,
    NamedChoice,
    Provenance,
)
from expirations.services.renewal import first_period_dates
from selling.models import Product

# Expiration.amount is DecimalField(max_digits=12, decimal_places=2).
MAX_EXPIRATION_AMOUNT = Decimal("9999999999.99")
MAX_REMINDER_DAYS = 365
NOTE_MAX_LENGTH = 500

# The fields staff set, in the order the "changed" note lists them.
RECORD_FIELDS = (
    "product_id",
    "item",
    "quantity",
    "amount",
    "notes",
    "start_date",
    "expiry_date",
    "provenance_id",
    "bank_institute_id",
)


def _field_name(attribute: str) -> str:
    """The form field an attribute is entered in ("product_id" → "product")."""
    return attribute.removesuffix("_id")


def _user_or_none(user):
    return user if user is not None and user.is_authenticated else None


def _amount_checked(amount, errors: dict) -> Decimal | None:
    try:
        checked = amount_check(amount if amount is not None else "0")
    except ValidationError as error:
        errors["amount"] = error.messages
        return None
    if checked < 0:
        errors["amount"] = [_("The amount cannot be negative.")]
        return None
    if checked > MAX_EXPIRATION_AMOUNT:
        errors["amount"] = [
            _("The amount is too large: at most %(max)s.")
            % {"max": number_format(MAX_EXPIRATION_AMOUNT, 2, force_grouping=True)}
        ]
        return None
    return checked


def _product_checked(product_id, errors: dict) -> Product | None:
    if product_id in (None, ""):
        return None
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        errors["product"] = [
            ValidationError(
                _("This product is not in the catalog: choose one from the list."),
                code="product_not_found",
            )
        ]
        return None
    if not product.is_renewable:
        errors["product"] = [
            ValidationError(
                _(
                    "“%(name)s” has no renewal period: choose a service of the "
                    "catalog, or type what expires as an item."
                )
                % {"name": product.name},
                code="product_not_renewable",
            )
        ]
        return None
    return product


def _choice_checked(
    model: type[NamedChoice], choice_id, *, field: str, current_id, errors: dict
):
    """A provenance or bank institute that exists and is not archived.

    The value an expiration already has is kept even if it was archived since.
    """
    if choice_id in (None, ""):
        return None
    choice = model.objects.filter(pk=choice_id).first()
    if choice is None:
        errors[field] = [
            _("This %(what)s does not exist: choose one from the list.")
            % {"what": model._meta.verbose_name}
        ]
        return None
    if choice.is_archived and choice.pk != current_id:
        errors[field] = [
            _("“%(name)s” is archived: choose another %(what)s.")
            % {"name": choice.name, "what": model._meta.verbose_name}
        ]
        return None
    return choice


def _record_checked(values: dict, *, current: Expiration | None = None) -> dict:
    """The values of an expiration, checked together; a dict of model attributes."""
    errors: dict[str, list] = {}
    product = _product_checked(values.get("product_id"), errors)
    item = (values.get("item") or "").strip()
    if len(item) > 200:
        errors["item"] = [_("Keep the item under 200 characters.")]
    if product is None and not item and "product" not in errors:
        errors["item"] = [_("Choose a product of the catalog or type what expires.")]
    quantity = values.get("quantity", 1)
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
        errors["quantity"] = [_("The quantity must be a whole number, at least 1.")]
    elif quantity > INT_MAX:
        errors["quantity"] = [
            _("The quantity must be at most %(max)s.") % {"max": INT_MAX}
        ]
    amount = _amount_checked(values.get("amount"), errors)
    start_date = values.get("start_date")
    expiry_date = values.get("expiry_date")
    for name, day in (("start_date", start_date), ("expiry_date", expiry_date)):
        if isinstance(day, date):
            try:
                business_date_check(day)
            except ValidationError as error:
                errors[name] = error.messages
    if not isinstance(start_date, date):
        errors["start_date"] = [_("Enter the start date.")]
    if not isinstance(expiry_date, date):
        errors["expiry_date"] = [_("Enter the expiry date.")]
    elif (
        isinstance(start_date, date)
        and not errors.keys() & {"start_date", "expiry_date"}
        and expiry_date < start_date
    ):
        errors["expiry_date"] = [
            _("The expiry date (%(expiry)s) is before the start date (%(start)s).")
            % {
                "expiry": date_format(expiry_date, "SHORT_DATE_FORMAT"),
                "start": date_format(start_date, "SHORT_DATE_FORMAT"),
            }
        ]
    provenance = _choice_checked(
        Provenance,
        values.get("provenance_id"),
        field="provenance",
        current_id=current.provenance_id if current else None,
        errors=errors,
    )
    bank_institute = _choice_checked(
        BankInstitute,
        values.get("bank_institute_id"),
        field="bank_institute",
        current_id=current.bank_institute_id if current else None,
        errors=errors,
    )
    if errors:
        raise ValidationError(errors)
    return {
        "product_id": product.pk if product else None,
        "item": item,
        "quantity": quantity,
        "amount": amount,
        "notes": (values.get("notes") or "").strip(),
        "start_date": start_date,
        "expiry_date": expiry_date,
        "provenance_id": provenance.pk if provenance else None,
        "bank_institute_id": bank_institute.pk if bank_institute else None,
    }


def _event_add(
    expiration: Expiration,
    kind: str,
    *,
    user,
    note: str = "",
    previous_expiry_date: date | None = None,
) -> ExpirationEvent:
    return ExpirationEvent.objects.create(
        expiration=expiration,
        customer_id=expiration.customer_id,
        kind=kind,
        note=note[:NOTE_MAX_LENGTH],
        expiry_date=expiration.expiry_date,
        previous_expiry_date=previous_expiry_date,
        user=_user_or_none(user),
    )


def _own_expiration_locked(customer: Customer, expiration_id) -> Expiration:
    """The customer's expiration, locked; another customer's id is refused."""
    expiration = (
        Expiration.objects.select_for_update()
        .filter(pk=expiration_id, customer_id=customer.pk)
        .first()
    )
    if expiration is None:
        raise ValidationError(
            _("This expiration does not exist, or it belongs to another customer."),
            code="not_found",
        )
    return expiration


def _catalog_defaults(values: dict) -> tuple[dict, int | None]:
    """A new expiration's blank amount and expiry, from its catalog service.

    Amount: the product's price times the quantity (what an order line of it
    costs). Expiry: one renewal period from the start date, as buying the service
    gives. Returns the values and the anchor day of a computed expiry (None when
    the expiry was typed). Without a renewable product nothing is filled in: a
    blank amount is 0.00, a blank expiry is refused by the checks.
    """
    pk = id_parse(values["product_id"])
    product = Product.objects.filter(pk=pk).first() if pk is not None else None
    if product is None or not product.is_renewable:
        return values, None
    values = dict(values)
    quantity = values["quantity"]
    if values["amount"] is None and isinstance(quantity, int) and quantity >= 1:
        values["amount"] = quantize(product.price * quantity)
    anchor = None
    if values["expiry_date"] is None and isinstance(values["start_date"], date):
        values["expiry_date"], anchor = first_period_dates(
            product=product, start=values["start_date"]
        )
    return values, anchor


@transaction.atomic
def expiration_create(
    customer: Customer,
    *,
    product_id: int | None = None,
    item: str = "",
    quantity: int = 1,
    amount: Decimal | str | int | None = None,
    notes: str = "",
    start_date: date,
    expiry_date: date | None = None,
    provenance_id: int | None = None,
    bank_institute_id: int | None = None,
    user=None,
) -> Expiration:
    """Records a service the customer has until ``expiry_date``.

    With a catalog service (``product_id``), a ``None`` amount is its price times
    the quantity and a ``None`` expiry is one renewal period from ``start_date``;
    what is given always wins. Without one, a ``None`` amount is 0.00 and the
    expiry must be given.

    Not durable: buying a service for the first time creates its expiration inside
    the transaction that pays the order.
    """
    given, computed_anchor = _catalog_defaults(
        {
            "product_id": product_id,
            "item": item,
            "quantity": quantity,
            "amount": amount,
            "notes": notes,
            "start_date": start_date,
            "expiry_date": expiry_date,
            "provenance_id": provenance_id,
            "bank_institute_id": bank_institute_id,
        }
    )
    values = _record_checked(given)
    expiration = Expiration.objects.create(
        customer=customer,
        anchor_day=computed_anchor or values["expiry_date"].day,
        created_by=_user_or_none(user),
        **values,
    )
    _event_add(expiration, ExpirationEvent.Kind.CREATED, user=user)
    return expiration


def _shown(attribute: str, value, names: dict) -> str:
    if value in (None, ""):
        return "—"
    if attribute in names:
        return names[attribute].get(value, str(value))
    if isinstance(value, date):
        return date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, Decimal):
        return number_format(value, 2)
    return str(value)


def _changes_note(before: dict, after: dict) -> str:
    """ "Expiry date: 01/02/2026 → 01/02/2027; amount: 10.00 → 12.00"."""
    changed = [name for name in RECORD_FIELDS if before[name] != after[name]]
    labels = {
        "product_id": _("product"),
        "item": _("item"),
        "quantity": _("quantity"),
        "amount": _("amount"),
        "notes": _("notes"),
        "start_date": _("start date"),
        "expiry_date": _("expiry date"),
        "provenance_id": _("provenance"),
        "bank_institute_id": _("bank institute"),
    }
    ids: dict[str, tuple[type[NamedChoice] | type[Product], set]] = {
        "product_id": (Product, {before["product_id"], after["product_id"]}),
        "provenance_id": (
            Provenance,
            {before["provenance_id"], after["provenance_id"]},
        ),
        "bank_institute_id": (
            BankInstitute,
            {before["bank_institute_id"], after["bank_institute_id"]},
        ),
    }
    names = {
        attribute: dict(
            model.objects.filter(pk__in=wanted - {None}).values_list("pk", "name")
        )
        for attribute, (model, wanted) in ids.items()
        if attribute in changed
    }
    parts = []
    for attribute in changed:
        if attribute == "notes":
            parts.append(_("notes changed"))
            continue
        parts.append(
            f"{labels[attribute]}: {_shown(attribute, before[attribute], names)}"
            f" → {_shown(attribute, after[attribute], names)}"
        )
    note = "; ".join(parts)
    return note[:1].upper() + note[1:]


@transaction.atomic(durable=True)
def expiration_update(
    customer: Customer,
    *,
    expiration_id: int,
    user=None,
    **values,
) -> Expiration:
    """Changes what staff entered; a new expiry date also resets the anchor day.

    ``values`` are the attributes of :data:`RECORD_FIELDS`; those not given keep
    their value. Nothing changed, no event.
    """
    unknown = set(values) - set(RECORD_FIELDS)
    if unknown:
        raise TypeError(f"expiration_update: unknown fields {sorted(unknown)}")
    expiration = _own_expiration_locked(customer, expiration_id)
    before = {name: getattr(expiration, name) for name in RECORD_FIELDS}
    after = _record_checked({**before, **values}, current=expiration)
    if after == before:
        return expiration
    for name, value in after.items():
        setattr(expiration, name, value)
    if after["expiry_date"] != before["expiry_date"]:
        expiration.anchor_day = after["expiry_date"].day
    expiration.save()
    _event_add(
        expiration,
        ExpirationEvent.Kind.CHANGED,
        user=user,
        note=_changes_note(before, after),
        previous_expiry_date=(
            before["expiry_date"]
            if after["expiry_date"] != before["expiry_date"]
            else None
        ),
    )
    return expiration


@transaction.atomic(durable=True)
def expiration_cancel(
    customer: Customer, *, expiration_id: int, user=None, reason: str = ""
) -> Expiration:
    """Cancels an expiration: no more reminders, no renewal; its history stays."""
    expiration = _own_expiration_locked(customer, expiration_id)
    if expiration.is_cancelled:
        raise ValidationError(
            _("This expiration is already cancelled."), code="already_cancelled"
        )
    expiration.is_cancelled = True
    expiration.save(update_fields=["is_cancelled", "updated_at"])
    _event_add(
        expiration, ExpirationEvent.Kind.CANCELLED, user=user, note=reason.strip()
    )
    return expiration


@transaction.atomic(durable=True)
def expiration_delete(customer: Customer, *, expiration_id: int, user=None) -> str:
    """Deletes an expiration entered by mistake, with its history; returns its label.

    To end a real service and keep its history, cancel it instead.
    """
    expiration = _own_expiration_locked(customer, expiration_id)
    label = expiration.label
    expiration.delete()
    return label


# --- The provenance and bank-institute lists ---


def _choice_name_checked(
    model: type[NamedChoice], name: str, *, exclude_id: int | None = None
) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": [_("Enter a name.")]})
    if len(name) > 120:
        raise ValidationError({"name": [_("Keep the name under 120 characters.")]})
    same = model.objects.filter(name__iexact=name).exclude(pk=exclude_id).first()
    if same is not None:
        message = (
            _("“%(name)s” is already in the list, archived: unarchive it instead.")
            if same.is_archived
            else _("“%(name)s” is already in the list.")
        )
        raise ValidationError({"name": [message % {"name": same.name}]})
    return name


def _choice_locked(model: type[NamedChoice], choice_id) -> NamedChoice:
    choice = model.objects.select_for_update().filter(pk=choice_id).first()
    if choice is None:
        raise ValidationError(
            _("This %(what)s does not exist.") % {"what": model._meta.verbose_name},
            code="not_found",
        )
    return choice


@transaction.atomic(durable=True)
def _choice_add(model: type[NamedChoice], *, name: str):
    return model.objects.create(name=_choice_name_checked(model, name))


@transaction.atomic(durable=True)
def _choice_rename(model: type[NamedChoice], *, choice_id: int, name: str):
    choice = _choice_locked(model, choice_id)
    choice.name = _choice_name_checked(model, name, exclude_id=choice.pk)
    choice.save(update_fields=["name"])
    return choice


@transaction.atomic(durable=True)
def _choice_set_archived(model: type[NamedChoice], *, choice_id: int, archived: bool):
    choice = _choice_locked(model, choice_id)
    if choice.is_archived != archived:
        choice.is_archived = archived
        choice.save(update_fields=["is_archived"])
    return choice


def provenance_add(*, name: str) -> Provenance:
    return _choice_add(Provenance, name=name)


def provenance_rename(*, provenance_id: int, name: str) -> Provenance:
    """Renames a provenance: the expirations that have it show the new name."""
    return _choice_rename(Provenance, choice_id=provenance_id, name=name)


def provenance_set_archived(*, provenance_id: int, archived: bool) -> Provenance:
    """Archived: kept on the expirations that have it, no longer offered."""
    return _choice_set_archived(Provenance, choice_id=provenance_id, archived=archived)


def bank_institute_add(*, name: str) -> BankInstitute:
    return _choice_add(BankInstitute, name=name)


def bank_institute_rename(*, bank_institute_id: int, name: str) -> BankInstitute:
    return _choice_rename(BankInstitute, choice_id=bank_institute_id, name=name)


def bank_institute_set_archived(
    *, bank_institute_id: int, archived: bool
) -> BankInstitute:
    return _choice_set_archived(
        BankInstitute, choice_id=bank_institute_id, archived=archived
    )


# --- Settings ---


def _days_checked(
    days: Iterable[int], *, field: str, minimum: int, errors: dict
) -> list[int]:
    days = list(days)
    problems = []
    if any(not isinstance(d, int) or isinstance(d, bool) for d in days):
        problems.append(_("Use whole numbers of days."))
    else:
        out_of_range = [d for d in days if not minimum <= d <= MAX_REMINDER_DAYS]
        if out_of_range:
            problems.append(
                _("Use days from %(min)s to %(max)s (not %(values)s).")
                % {
                    "min": minimum,
                    "max": MAX_REMINDER_DAYS,
                    "values": ", ".join(str(d) for d in out_of_range),
                }
            )
        repeated = sorted({d for d in days if days.count(d) > 1})
        if repeated:
            problems.append(
                _("Each day once: %(values)s is repeated.")
                % {"values": ", ".join(str(d) for d in repeated)}
            )
    if problems:
        errors[field] = problems
    return days


@transaction.atomic(durable=True)
def expiration_settings_save(
    *,
    reminder_days_before: Iterable[int],
    reminder_days_after: Iterable[int],
    quick_renew_days: int,
) -> ExpirationSettings:
    """Stores the reminder offsets (before: 0 is the expiry day) and the window."""
    errors: dict[str, list] = {}
    before = _days_checked(
        reminder_days_before, field="reminder_days_before", minimum=0, errors=errors
    )
    after = _days_checked(
        reminder_days_after, field="reminder_days_after", minimum=1, errors=errors
    )
    if (
        not isinstance(quick_renew_days, int)
        or isinstance(quick_renew_days, bool)
        or not 0 <= quick_renew_days <= MAX_REMINDER_DAYS
    ):
        errors["quick_renew_days"] = [
            _("Use a whole number of days from 0 to %(max)s.")
            % {"max": MAX_REMINDER_DAYS}
        ]
    if errors:
        raise ValidationError(errors)
    settings_row = ExpirationSettings.load()
    settings_row.reminder_days_before = sorted(before, reverse=True)
    settings_row.reminder_days_after = sorted(after)
    settings_row.quick_renew_days = quick_renew_days
    settings_row.save()
    return settings_row
