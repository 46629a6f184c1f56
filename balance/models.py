"""The money ledger: entries, holds, withdrawals and periodic gifts.

The customer's ``balance`` and ``balance_held`` live on the customer row
(``customers.Customer``); only ``balance.services`` writes them, in the transaction
that inserts the entry or changes the hold, under a lock of that row.
"""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from core.languages import LocalizedTextsMixin, validate_language_texts
from core.models import ModuleSettings

AMOUNT: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}


class SourceType(models.TextChoices):
    """What an entry, a hold or a withdrawal came from (``source_id`` names it)."""

    ORDER = "order", _("Order")
    WITHDRAWAL = "withdrawal", _("Withdrawal")
    GIFT_RUN = "gift_run", _("Periodic gift")
    FUNNEL_STEP = "funnel_step", _("Automation")


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


class Gift(models.Model):
    """An amount credited periodically to an audience of customers.

    Each audience customer gets each period's gift once (see
    ``balance.services.gifts``). Periods before ``start_date`` are never paid.
    """

    class Schedule(models.TextChoices):
        MONTHLY = "monthly", _("Monthly, on a day")
        WEEKLY = "weekly", _("Weekly, on a weekday")
        YEARLY = "yearly", _("Yearly, on a date")
        BIRTHDAY = "birthday", _("On the customer's birthday")

    class Audience(models.TextChoices):
        EVERYONE = "everyone", _("Every customer")
        TAG = "tag", _("Customers with a tag")
        NEWSLETTER_LIST = "newsletter_list", _("Subscribers of a newsletter list")
        BALANCE_RANGE = "balance_range", _("Customers with a balance in a range")

    amount = models.DecimalField(_("amount"), **AMOUNT)
    description = models.CharField(_("description"), max_length=255)
    schedule = models.CharField(_("schedule"), max_length=10, choices=Schedule.choices)
    # Monthly: the day of the month (31 means the month's last day in shorter ones).
    day_of_month = models.PositiveSmallIntegerField(
        _("day of the month"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
    )
    # Weekly: 0 is Monday, 6 is Sunday.
    weekday = models.PositiveSmallIntegerField(
        _("weekday"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(6)],
    )
    # Yearly: the month and day_of_month (29 February is 28 February in other years).
    month = models.PositiveSmallIntegerField(
        _("month"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices)
    # A deleted tag or list leaves the gift with no one to give to (SET_NULL), rather
    # than stopping the customers app from deleting it.
    tag = models.ForeignKey(
        "customers.Tag",
        verbose_name=_("tag"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    newsletter_list = models.ForeignKey(
        "customers.NewsletterList",
        verbose_name=_("newsletter list"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    balance_min = models.DecimalField(
        _("balance at least"), null=True, blank=True, **AMOUNT
    )
    balance_max = models.DecimalField(
        _("balance at most"), null=True, blank=True, **AMOUNT
    )
    active = models.BooleanField(_("active"), default=True)
    start_date = models.DateField(_("start date"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("periodic gift")
        verbose_name_plural = _("periodic gifts")
        ordering = ["description", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="balance_gift_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(
                    schedule="monthly",
                    day_of_month__gte=1,
                    day_of_month__lte=31,
                )
                | Q(schedule="weekly", weekday__gte=0, weekday__lte=6)
                | Q(
                    schedule="yearly",
                    month__gte=1,
                    month__lte=12,
                    day_of_month__gte=1,
                    day_of_month__lte=31,
                )
                | Q(schedule="birthday"),
                name="balance_gift_schedule_complete",
            ),
            models.CheckConstraint(
                condition=~Q(audience="balance_range")
                | Q(balance_min__isnull=False)
                | Q(balance_max__isnull=False),
                name="balance_gift_range_bounded",
            ),
        ]

    def __str__(self):
        return self.description


class GiftRun(models.Model):
    """One period of a gift (e.g. "2026-11", "2026-W48", "2026", "birthday-2026").

    Created when the period is first processed; its entries carry its id as source.
    ``completed_at`` is set once every audience customer has been credited; a birthday
    gift's year stays open until 31 December (``covered_until`` says how far it got).
    """

    gift = models.ForeignKey(
        Gift, verbose_name=_("gift"), on_delete=models.PROTECT, related_name="runs"
    )
    period = models.CharField(_("period"), max_length=20)
    ran_at = models.DateTimeField(_("ran"), auto_now_add=True)
    covered_until = models.DateField(_("covered until"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    customers_count = models.PositiveIntegerField(_("customers"), default=0)
    total_amount = models.DecimalField(_("total"), default=Decimal("0.00"), **AMOUNT)

    class Meta:
        verbose_name = _("gift run")
        verbose_name_plural = _("gift runs")
        ordering = ["-ran_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["gift", "period"], name="balance_giftrun_period_unique"
            ),
        ]

    def __str__(self):
        return f"{self.gift_id} {self.period}"


def validate_localized_texts(value) -> None:
    """A text per language (named in migration 0004; the rule is in core)."""
    validate_language_texts(value)


class BalanceSettings(LocalizedTextsMixin, ModuleSettings):
    """The module's settings, one row (``BalanceSettings.load()``).

    The texts customers read are one per language; read them with
    ``localized(field_name)``, never the field itself.
    """

    # The texts that are one per language.
    LOCALIZED_FIELDS = (
        "credits_intro",
        "message_below_minimum",
        "message_minimum_reached",
        "checkout_message",
        "checkout_button_text",
    )

    class ButtonStyle(models.TextChoices):
        FILLED = "filled", _("Filled")
        OUTLINE = "outline", _("Outline")
        LINK = "link", _("Link")

    credits_section_enabled = models.BooleanField(
        _("show “My credits” in the customer area"), default=True
    )
    # The texts customers read are one per language (see ``localized``):
    # {"en": "...", "it": "..."}; a blank or missing one falls back to the default.
    credits_intro = models.JSONField(
        _("introductory text"),
        default=dict,
        blank=True,
        validators=[validate_localized_texts],
    )
    withdrawals_enabled = models.BooleanField(
        _("enable withdrawal requests"), default=False
    )
    withdrawal_minimum = models.DecimalField(
        _("minimum withdrawal"),
        default=Decimal("50.00"),
        validators=[MinValueValidator(Decimal("0.01"))],
        **AMOUNT,
    )
    payout_change_review_hours = models.PositiveSmallIntegerField(
        _("hours after a payout details change that a withdrawal needs a second look"),
        default=48,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 30)],
        help_text=_(
            "A withdrawal requested this soon after the customer's IBAN, PayPal, "
            "holder or bank changed is flagged, and approving it asks staff to "
            "confirm they checked the change."
        ),
    )
    message_below_minimum = models.JSONField(
        _("message when the minimum is not reached"),
        default=dict,
        blank=True,
        validators=[validate_localized_texts],
    )
    message_minimum_reached = models.JSONField(
        _("message when the minimum is reached"),
        default=dict,
        blank=True,
        validators=[validate_localized_texts],
    )
    checkout_enabled = models.BooleanField(
        _("enable paying with balance"), default=False
    )
    checkout_message = models.JSONField(
        _("message when the discount is available"),
        default=dict,
        blank=True,
        validators=[validate_localized_texts],
        help_text=_(
            "{balance} is the customer's balance, {balance-value} the discount."
        ),
    )
    checkout_button_text = models.JSONField(
        _("button text"),
        default=dict,
        blank=True,
        validators=[validate_localized_texts],
    )
    checkout_button_colour = models.CharField(
        _("button colour"), max_length=7, default="#2346c8"
    )
    checkout_button_style = models.CharField(
        _("button style"),
        max_length=10,
        choices=ButtonStyle.choices,
        default=ButtonStyle.FILLED,
    )
    staff_notification_emails = models.TextField(
        _("staff addresses for withdrawal requests"),
        blank=True,
        help_text=_("One e-mail address per line."),
    )

    class Meta:
        verbose_name = _("balance settings")
        verbose_name_plural = _("balance settings")


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
