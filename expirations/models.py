"""Service expiry dates, what happened to each, and the module's settings.

An expiration's *state* follows from its dates (see :meth:`Expiration.state_on`):
only "cancelled" is stored; "active", "expiring soon", "expired" and "renewed" are
read from the expiry date, today and the renewals.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, ClassVar, Self, cast

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.models import ModuleSettings

if TYPE_CHECKING:
    from selling.models import Product


class NamedChoice(models.Model):
    """A value of a staff-kept list: renamed freely, archived rather than deleted."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    is_archived = models.BooleanField(_("archived"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects: ClassVar[models.Manager[Self]]  # each concrete model gets its own

    class Meta:
        abstract = True
        ordering = ["is_archived", "name"]

    def __str__(self):
        return self.name


class Provenance(NamedChoice):
    """Where the customer came from for this service (a reseller, a campaign...)."""

    class Meta(NamedChoice.Meta):
        verbose_name = _("provenance")
        verbose_name_plural = _("provenances")


class BankInstitute(NamedChoice):
    """The bank the service is paid through."""

    class Meta(NamedChoice.Meta):
        verbose_name = _("bank institute")
        verbose_name_plural = _("bank institutes")


class Expiration(models.Model):
    """One service a customer has until a date: a catalog product or a free text."""

    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        EXPIRING_SOON = "expiring_soon", _("Expiring soon")
        EXPIRED = "expired", _("Expired")
        RENEWED = "renewed", _("Renewed")
        CANCELLED = "cancelled", _("Cancelled")

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="expirations",
    )
    product = models.ForeignKey(
        "selling.Product",
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="expirations",
    )
    item = models.CharField(
        _("item"),
        max_length=200,
        blank=True,
        help_text=_("What expires, when it is not a product of the catalog."),
    )
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    amount = models.DecimalField(
        _("amount"), max_digits=12, decimal_places=2, default=0
    )
    notes = models.TextField(_("notes"), blank=True)
    start_date = models.DateField(_("start date"))
    expiry_date = models.DateField(_("expiry date"))
    provenance = models.ForeignKey(
        Provenance,
        verbose_name=_("provenance"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    bank_institute = models.ForeignKey(
        BankInstitute,
        verbose_name=_("bank institute"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The day of the month the expiry keeps through month and year renewals (31 Jan,
    # 28 Feb, 31 Mar...): set from the expiry date, reset when a renewal restarts
    # from the payment date.
    anchor_day = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    is_cancelled = models.BooleanField(_("cancelled"), default=False)
    renewal_count = models.PositiveIntegerField(_("renewals"), default=0)
    last_renewed_on = models.DateField(_("last renewed"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("expiration")
        verbose_name_plural = _("expirations")
        ordering = ["expiry_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expiry_date__gte=F("start_date")),
                name="expiration_expiry_not_before_start",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="expiration_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="expiration_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(product__isnull=False) | ~Q(item=""),
                name="expiration_product_or_item",
            ),
        ]
        indexes = [
            # The daily job and the widgets: live expirations by date.
            models.Index(
                fields=["expiry_date"],
                condition=Q(is_cancelled=False),
                name="expiration_live_expiry_idx",
            ),
            models.Index(
                fields=["customer", "expiry_date"], name="expiration_customer_idx"
            ),
            # The report's date ranges, which include cancelled rows.
            models.Index(fields=["expiry_date", "id"], name="expiration_expiry_idx"),
            models.Index(fields=["start_date"], name="expiration_start_idx"),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        """What it is: the product's name in the active language, or the item."""
        return self.label_in(None)

    def label_in(self, language: str | None) -> str:
        """The label for a reader of ``language`` (None: the active language)."""
        if self.product_id:
            return cast("Product", self.product).name_in(language)
        return self.item

    def days_left(self, today: date) -> int:
        return (self.expiry_date - today).days

    def state_on(self, today: date, soon_days: int = 30) -> str:
        """The state on ``today``; "expiring soon" within ``soon_days`` of expiry."""
        if self.is_cancelled:
            return self.State.CANCELLED
        if self.expiry_date < today:
            return self.State.EXPIRED
        if self.expiry_date <= today + timedelta(days=soon_days):
            return self.State.EXPIRING_SOON
        if self.renewal_count:
            return self.State.RENEWED
        return self.State.ACTIVE


class ExpirationEvent(models.Model):
    """What happened to an expiration: its history, also shown in the timeline.

    A renewal names the order line that paid it (unique), so a payment confirmed
    twice renews once (a first purchase's "created" too); a reminder (sent or
    skipped) or an expiry names its expiry date and offset.
    """

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        CHANGED = "changed", _("Changed")
        RENEWED = "renewed", _("Renewed")
        # The order that renewed (or created) it was refunded.
        REFUNDED = "refunded", _("Order refunded")
        REMINDER_SENT = "reminder_sent", _("Reminder sent")
        # A reminder left out because a later one was due when the job caught up.
        REMINDER_SKIPPED = "reminder_skipped", _("Reminder skipped")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")
        DELETED = "deleted", _("Deleted")

    expiration = models.ForeignKey(
        Expiration,
        verbose_name=_("expiration"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    # Denormalised so the timeline reads one table per customer.
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    kind = models.CharField(_("what"), max_length=20, choices=Kind.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    expiry_date = models.DateField(_("expiry date"))
    previous_expiry_date = models.DateField(
        _("previous expiry date"), null=True, blank=True
    )
    # Reminders: days before (positive) or after (negative) the expiry date.
    offset_days = models.IntegerField(_("offset (days)"), null=True, blank=True)
    order_line_id = models.BigIntegerField(null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("expiration event")
        verbose_name_plural = _("expiration events")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order_line_id"],
                condition=Q(kind="renewed"),
                name="expiration_renewal_once_per_order_line",
            ),
            models.UniqueConstraint(
                fields=["order_line_id"],
                condition=Q(kind="created", order_line_id__isnull=False),
                name="expiration_created_once_per_order_line",
            ),
            models.UniqueConstraint(
                fields=["order_line_id"],
                condition=Q(kind="refunded"),
                name="expiration_refund_once_per_order_line",
            ),
            # Sent or skipped: either way, that reminder is settled.
            models.UniqueConstraint(
                fields=["expiration", "expiry_date", "offset_days"],
                condition=Q(kind__in=["reminder_sent", "reminder_skipped"]),
                name="expiration_reminder_once",
            ),
            models.UniqueConstraint(
                fields=["expiration", "expiry_date"],
                condition=Q(kind="expired"),
                name="expiration_expired_once",
            ),
        ]
        indexes = [
            models.Index(
                fields=["customer", "-created_at"], name="exp_event_customer_idx"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.expiration_id}"


def default_days_before() -> list[int]:
    return [30, 7, 1]


def default_days_after() -> list[int]:
    return [3]


class ExpirationSettings(ModuleSettings):
    """The module's settings (one row)."""

    reminder_days_before = models.JSONField(
        _("reminders before the expiry (days)"), default=default_days_before
    )
    reminder_days_after = models.JSONField(
        _("reminders after the expiry (days)"), default=default_days_after
    )
    quick_renew_days = models.PositiveSmallIntegerField(
        _("quick-renew window (days)"),
        default=30,
        help_text=_("The customer sees a Renew button this many days before expiry."),
    )

    class Meta:
        verbose_name = _("expirations settings")
        verbose_name_plural = _("expirations settings")

    @property
    def reminder_offsets(self) -> list[int]:
        """Signed offsets, days before expiry positive: [30, 7, 1, -3]."""
        before = sorted({int(days) for days in self.reminder_days_before}, reverse=True)
        after = sorted({int(days) for days in self.reminder_days_after})
        return [*before, *(-days for days in after)]
