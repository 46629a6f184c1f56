"""The ledger: entries (append-only) and holds on a customer's money."""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

AMOUNT: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}


class SourceType(models.TextChoices):
    """What an entry, a hold or a withdrawal came from (``source_id`` names it)."""

    ORDER = "order", _("Order")
    WITHDRAWAL = "withdrawal", _("Withdrawal")
    GIFT_RUN = "gift_run", _("Periodic gift")
    FUNNEL_STEP = "funnel_step", _("Automation")
    REFERRAL_COMMISSION = "referral_commission", _("Referral commission")


class Entry(models.Model):
    """One line of a customer's ledger: a signed, non-zero change of the balance.

    Append-only: PostgreSQL refuses UPDATE and DELETE on this table (a trigger, see
    migration 0002). A mistake is undone by a reversal, linked one-to-one to the
    entry it cancels. ``balance_after`` is the balance once this entry is applied;
    per customer, entries are applied in ``id`` order (ids are drawn under the
    customer's row lock), which is also their ``created_at`` order.
    """

    class Kind(models.TextChoices):
        MANUAL_CREDIT = "manual_credit", _("Credit")
        MANUAL_DEBIT = "manual_debit", _("Debit")
        GIFT = "gift", _("Gift")
        AUTOMATION = "automation", _("Automation")
        CHECKOUT = "checkout", _("Paid at checkout")
        REFUND = "refund", _("Refund")
        WITHDRAWAL = "withdrawal", _("Withdrawal")
        REVERSAL = "reversal", _("Reversal")
        ADJUSTMENT = "adjustment", _("Balance set")
        REFERRAL = "referral", _("Referral commission")

    class AuthorKind(models.TextChoices):
        STAFF = "staff", _("Staff")
        CUSTOMER = "customer", _("Customer")
        SYSTEM = "system", _("System")

    # Indexed by the history index and the idempotency constraint, which start with it.
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        db_index=False,
    )
    amount = models.DecimalField(_("amount"), **AMOUNT)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    note = models.TextField(_("note"), blank=True)
    # A user who posted entries cannot be deleted (deactivate them instead): the
    # trigger would refuse the SET NULL, and the ledger must keep saying who it was.
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # see balance_entry_author_idx
    )
    author_kind = models.CharField(
        _("author kind"), max_length=10, choices=AuthorKind.choices
    )
    # The author's name when posted, or the job for system entries ("Periodic gift").
    author_label = models.CharField(_("by"), max_length=150, blank=True)
    # The database's clock at the INSERT, taken after the customer's row is locked,
    # so a customer's entries are in the same order by time as by id.
    created_at = models.DateTimeField(_("date"), db_default=Now())
    balance_after = models.DecimalField(_("balance after"), **AMOUNT)
    source_type = models.CharField(
        _("source"), max_length=20, choices=SourceType.choices, blank=True
    )
    source_id = models.CharField(_("source reference"), max_length=64, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200)
    reversal_of = models.OneToOneField(
        "self",
        verbose_name=_("reversal of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
    )

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["-created_at", "-id"]
        # Entries are never changed or deleted, by anyone.
        default_permissions = ("add", "view")
        constraints = [
            models.CheckConstraint(
                condition=~Q(amount=0), name="balance_entry_amount_not_zero"
            ),
            models.CheckConstraint(
                condition=~Q(idempotency_key=""),
                name="balance_entry_idempotency_key_set",
            ),
            # A reversal, and only a reversal, points at the entry it cancels.
            models.CheckConstraint(
                condition=Q(kind="reversal", reversal_of__isnull=False)
                | (~Q(kind="reversal") & Q(reversal_of__isnull=True)),
                name="balance_entry_reversal_linked",
            ),
            models.UniqueConstraint(
                fields=["customer", "idempotency_key"],
                name="balance_entry_idempotency_unique",
            ),
        ]
        indexes = [
            models.Index(
                fields=["customer", "-created_at", "-id"],
                name="balance_entry_history_idx",
            ),
            models.Index(fields=["created_at"], name="balance_entry_created_idx"),
            # Most entries (gifts, automation) have no author user.
            models.Index(
                fields=["author_user"],
                condition=Q(author_user__isnull=False),
                name="balance_entry_author_idx",
            ),
            models.Index(
                fields=["source_type", "source_id"],
                condition=~Q(source_type=""),
                name="balance_entry_source_idx",
            ),
        ]

    def __str__(self):
        return f"{self.amount:+} ({self.get_kind_display()})"


class Hold(models.Model):
    """Money set aside from a customer's available balance before it is paid out.

    While active its amount counts in ``Customer.balance_held``. Posting it turns it
    into a debit entry; releasing it gives the amount back. Either happens once.
    """

    class Kind(models.TextChoices):
        WITHDRAWAL = "withdrawal", _("Withdrawal")
        CHECKOUT = "checkout", _("Checkout")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        POSTED = "posted", _("Posted")
        RELEASED = "released", _("Released")

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="balance_holds",
    )
    amount = models.DecimalField(_("amount"), **AMOUNT)
    kind = models.CharField(_("reason"), max_length=20, choices=Kind.choices)
    source_type = models.CharField(
        _("source"), max_length=20, choices=SourceType.choices, blank=True
    )
    source_id = models.CharField(_("source reference"), max_length=64, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    entry = models.OneToOneField(
        Entry,
        verbose_name=_("entry"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hold",
    )

    class Meta:
        verbose_name = _("hold")
        verbose_name_plural = _("holds")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="balance_hold_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(status="posted", entry__isnull=False)
                | (~Q(status="posted") & Q(entry__isnull=True)),
                name="balance_hold_posted_has_entry",
            ),
            models.UniqueConstraint(
                fields=["customer", "idempotency_key"],
                name="balance_hold_idempotency_unique",
            ),
        ]
        indexes = [
            models.Index(
                fields=["customer"],
                condition=Q(status="active"),
                name="balance_hold_active_idx",
            ),
        ]

    def __str__(self):
        return f"{self.amount} ({self.get_status_display()})"
