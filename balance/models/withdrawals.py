"""Withdrawals and the payout details they are paid to (encrypted, every change and
every unmasked read recorded)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from balance.models.ledger import AMOUNT, Hold


class Withdrawal(models.Model):
    """A customer's request to be paid part of their balance.

    The amount is held at once; rejecting or cancelling releases it, paying posts it.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")
        PAID = "paid", _("Paid")

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="withdrawals",
    )
    amount = models.DecimalField(_("amount"), **AMOUNT)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    # A copy of the payout details at the time of the request (IBAN, bank, PayPal).
    payout_details = models.JSONField(_("payout details"), default=dict, blank=True)
    rejection_reason = models.TextField(_("rejection reason"), blank=True)
    payout_reference = models.CharField(
        _("payout reference"), max_length=200, blank=True
    )
    hold = models.OneToOneField(
        Hold,
        verbose_name=_("hold"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="withdrawal",
    )
    # The payout details change made shortly before the request (within
    # ``BalanceSettings.payout_change_review_hours``): approving then needs staff to
    # confirm they checked it. None: no recent change.
    payout_change = models.ForeignKey(
        "balance.PayoutDetailsChange",
        verbose_name=_("recent payout details change"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="withdrawals",
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        verbose_name = _("withdrawal")
        verbose_name_plural = _("withdrawals")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("approve_withdrawal", _("Can approve, reject and pay withdrawals")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="balance_withdrawal_amount_positive"
            ),
            models.UniqueConstraint(
                fields=["customer", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="balance_withdrawal_idempotency_unique",
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "created_at"], name="balance_withdr_status_idx"
            ),
            models.Index(
                fields=["customer", "-created_at"],
                name="balance_withdr_customer_idx",
            ),
        ]

    def __str__(self):
        return f"{self.amount} ({self.get_status_display()})"

    @property
    def needs_payout_check(self) -> bool:
        """Flagged: the payout details changed shortly before the request."""
        return self.payout_change_id is not None


class PayoutDetails(models.Model):
    """Where a customer's withdrawals are paid. Personal data: encrypted at rest.

    ``iban_encrypted``, ``bank_name_encrypted`` and ``paypal_email_encrypted`` hold
    Fernet tokens made with the key from the environment (``PAYOUT_ENCRYPTION_KEY``);
    the services encrypt and decrypt, nothing else reads them. The bank name is the
    customer's, or found from the IBAN when they leave it blank.
    """

    customer = models.OneToOneField(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="payout_details",
    )
    account_holder = models.CharField(_("account holder"), max_length=200, blank=True)
    iban_encrypted = models.TextField(_("IBAN (encrypted)"), blank=True)
    iban_last4 = models.CharField(
        _("IBAN, last 4 characters"), max_length=4, blank=True
    )
    bank_name_encrypted = models.TextField(_("bank (encrypted)"), blank=True)
    paypal_email_encrypted = models.TextField(
        _("PayPal e-mail (encrypted)"), blank=True
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("payout details")
        verbose_name_plural = _("payout details")
        permissions = [
            ("view_payout_details_unmasked", _("Can see payout details unmasked")),
        ]

    def __str__(self):
        return f"{self.customer_id}"


class PayoutDetailsChange(models.Model):
    """One change of a customer's payout details, recorded once, never edited.

    ``before`` and ``after`` hold the masked display values ("IT•• •••• •••• 3456",
    "m•••@example.com", the holder and the bank), never the IBAN or the e-mail in
    clear. The customer is e-mailed at ``notified_to`` (the addresses on file before
    the change) and the timeline shows it.
    """

    class Field(models.TextChoices):
        IBAN = "iban", _("IBAN")
        PAYPAL_EMAIL = "paypal_email", _("PayPal e-mail")
        ACCOUNT_HOLDER = "account_holder", _("Account holder")
        BANK_NAME = "bank_name", _("Bank")

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="payout_changes",
        db_index=False,  # see balance_payoutchange_cust_idx
    )
    fields = models.JSONField(_("changed"), default=list)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Who made it, as they were named then ("Marta Neri <marta@example.com>").
    actor_label = models.CharField(_("by"), max_length=300, blank=True)
    notified_to = models.JSONField(_("e-mailed to"), default=list, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("payout details change")
        verbose_name_plural = _("payout details changes")
        ordering = ["-created_at", "-id"]
        default_permissions = ("view",)
        indexes = [
            models.Index(
                fields=["customer", "-created_at"],
                name="balance_payoutchange_cust_idx",
            ),
        ]

    def __str__(self):
        return f"{self.customer_id} {self.created_at:%Y-%m-%d %H:%M}"

    def field_labels(self) -> list[str]:
        labels = dict(self.Field.choices)
        return [str(labels.get(name, name)) for name in self.fields]


class PayoutDetailsAccess(models.Model):
    """Someone on staff was shown a customer's payout details unmasked (the IBAN or
    the PayPal e-mail in full): who, where and when. Written once per customer
    shown, never edited; the customer's timeline lists them."""

    class Page(models.TextChoices):
        WITHDRAWALS = "withdrawals", _("the withdrawals page")
        BALANCE_TAB = "balance_tab", _("the customer card's Balance tab")

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="payout_accesses",
        db_index=False,  # see balance_payoutaccess_cust_idx
    )
    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("seen by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Who saw them, as they were named then ("Marta Neri <marta@example.com>").
    viewer_label = models.CharField(_("seen by"), max_length=300, blank=True)
    page = models.CharField(_("where"), max_length=20, choices=Page.choices)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("unmasked payout details view")
        verbose_name_plural = _("unmasked payout details views")
        ordering = ["-created_at", "-id"]
        default_permissions = ("view",)
        indexes = [
            models.Index(
                fields=["customer", "-created_at"],
                name="balance_payoutaccess_cust_idx",
            ),
        ]

    def __str__(self):
        return f"{self.customer_id} {self.created_at:%Y-%m-%d %H:%M}"
