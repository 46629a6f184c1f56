"""Referrals: who may refer, the customers' codes, who referred whom, the link's
visits and the commissions earned on the referred customers' orders.

Amounts are ``Decimal`` with two places. A commission moves money only through the
balance ledger (an entry of kind "referral commission", keyed by the order); its
row here says where it stands and links the entries.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import ModuleSettings

AMOUNT: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0.00")
COOKIE_DAYS_MAX = 365
WINDOW_DAYS_MAX = 365
MONTHS_MAX = 120


class CommissionType(models.TextChoices):
    PERCENT = "percent", _("A percentage of what the customer paid")
    FIXED = "fixed", _("A fixed amount")


class ReferralSettings(ModuleSettings):
    """The programme's rules (one row)."""

    class Referrers(models.TextChoices):
        EVERYONE = "everyone", _("Every customer")
        TAG = "tag", _("Customers with a tag")

    class Scope(models.TextChoices):
        FIRST_ORDER = "first_order", _("The first order only")
        MONTHS = "months", _("Every order in the first months")

    referrers = models.CharField(
        _("who may refer"),
        max_length=10,
        choices=Referrers.choices,
        default=Referrers.EVERYONE,
    )
    referrer_tag = models.ForeignKey(
        "customers.Tag",
        verbose_name=_("referrers' tag"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    cookie_days = models.PositiveSmallIntegerField(
        _("link remembered for (days)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(COOKIE_DAYS_MAX)],
    )
    commission_type = models.CharField(
        _("commission"),
        max_length=10,
        choices=CommissionType.choices,
        default=CommissionType.PERCENT,
    )
    commission_percent = models.DecimalField(
        _("commission percentage"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("10.00"),
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))],
    )
    commission_fixed = models.DecimalField(
        _("fixed commission"),
        **AMOUNT,
        default=ZERO,
        validators=[MinValueValidator(ZERO)],
    )
    exclude_balance = models.BooleanField(
        _("leave out the part paid with the balance"), default=True
    )
    scope = models.CharField(
        _("commission on"),
        max_length=12,
        choices=Scope.choices,
        default=Scope.FIRST_ORDER,
    )
    scope_months = models.PositiveSmallIntegerField(
        _("months"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(MONTHS_MAX)],
    )
    refund_window_days = models.PositiveSmallIntegerField(
        _("refund window (days)"),
        default=30,
        validators=[MaxValueValidator(WINDOW_DAYS_MAX)],
    )

    class Meta:
        verbose_name = _("referral settings")
        verbose_name_plural = _("referral settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(cookie_days__gte=1, cookie_days__lte=COOKIE_DAYS_MAX),
                name="referral_settings_cookie_days_range",
            ),
            models.CheckConstraint(
                condition=Q(commission_percent__gte=0, commission_percent__lte=100),
                name="referral_settings_percent_range",
            ),
            models.CheckConstraint(
                condition=Q(commission_fixed__gte=0),
                name="referral_settings_fixed_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(scope_months__gte=1, scope_months__lte=MONTHS_MAX),
                name="referral_settings_months_range",
            ),
            models.CheckConstraint(
                condition=Q(refund_window_days__lte=WINDOW_DAYS_MAX),
                name="referral_settings_window_range",
            ),
        ]


class ProductCommission(models.Model):
    """A product's own commission, instead of the settings' one, for its lines."""

    product = models.OneToOneField(
        "selling.Product",
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        related_name="referral_commission",
    )
    commission_type = models.CharField(
        _("commission"), max_length=10, choices=CommissionType.choices
    )
    value = models.DecimalField(
        _("percentage or amount"),
        **AMOUNT,
        help_text=_("A percentage (0-100) or a fixed amount per unit sold."),
    )

    class Meta:
        verbose_name = _("product commission")
        verbose_name_plural = _("product commissions")
        ordering = ["product__name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(value__gte=0)
                & (~Q(commission_type="percent") | Q(value__lte=100)),
                name="referral_product_commission_range",
            ),
        ]

    def __str__(self):
        return str(self.product)


class ReferralCode(models.Model):
    """A customer's referral link code: short, random, never reused."""

    customer = models.OneToOneField(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="referral_code",
    )
    code = models.CharField(_("code"), max_length=16, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("referral code")
        verbose_name_plural = _("referral codes")

    def __str__(self):
        return self.code


class ReferralVisit(models.Model):
    """How many visits a code's link had on a day (a counter, not a row per hit)."""

    code = models.ForeignKey(
        ReferralCode,
        verbose_name=_("code"),
        on_delete=models.CASCADE,
        related_name="visits",
    )
    day = models.DateField(_("day"))
    count = models.PositiveIntegerField(_("visits"), default=0)

    class Meta:
        verbose_name = _("referral visits")
        verbose_name_plural = _("referral visits")
        constraints = [
            models.UniqueConstraint(
                fields=["code", "day"], name="referral_visit_code_day_unique"
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.day}: {self.count}"


class Referral(models.Model):
    """Who referred a customer: one row per referred customer, first referrer wins.

    ``referrer`` is empty once staff removed it; the row stays, so a link visited
    later attributes nobody else. Changes are ``ReferralEvent`` rows.
    """

    class Source(models.TextChoices):
        LINK = "link", _("Referral link")
        STAFF = "staff", _("Set by staff")

    referred = models.OneToOneField(
        "customers.Customer",
        verbose_name=_("referred customer"),
        on_delete=models.CASCADE,
        related_name="referral",
    )
    referrer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("referred by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_made",
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-created_at", "-pk"]
        permissions = [("change_referrer", _("Can change who referred a customer"))]
        constraints = [
            models.CheckConstraint(
                condition=~Q(referrer=models.F("referred")),
                name="referral_not_self",
            ),
        ]
        indexes = [
            models.Index(fields=["referrer", "-created_at"], name="referral_ref_idx"),
        ]

    def __str__(self):
        return f"{self.referred} ← {self.referrer or '—'}"


class ReferralEvent(models.Model):
    """A change of who referred a customer: when, by whom, from whom to whom."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Referral recorded")
        CHANGED = "changed", _("Referrer changed")
        REMOVED = "removed", _("Referrer removed")

    referral = models.ForeignKey(
        Referral,
        verbose_name=_("referral"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    previous_referrer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("previous referrer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    referrer = models.ForeignKey(
        "customers.Customer",
        verbose_name=pgettext_lazy("referral programme", "referrer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    source = models.CharField(
        _("source"), max_length=10, choices=Referral.Source.choices
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(_("by"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("referral event")
        verbose_name_plural = _("referral events")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.get_kind_display()


class Commission(models.Model):
    """What a referrer earns on one paid order of a customer they referred.

    Pending until ``available_at`` (paid + the refund window), then credited to the
    referrer's ledger once (``entry``). A refund before the credit cancels it; a
    refund after posts a reversal (``reversal_entry``).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        AVAILABLE = "available", _("Available")
        CANCELLED = "cancelled", _("Cancelled")
        REVERSED = "reversed", _("Reversed")

    referral = models.ForeignKey(
        Referral,
        verbose_name=_("referral"),
        on_delete=models.PROTECT,
        related_name="commissions",
    )
    # Who earns it, fixed when it is created (staff may change the referral later).
    referrer = models.ForeignKey(
        "customers.Customer",
        verbose_name=pgettext_lazy("referral programme", "referrer"),
        on_delete=models.PROTECT,
        related_name="referral_commissions",
    )
    order = models.OneToOneField(
        "selling.Order",
        verbose_name=_("order"),
        on_delete=models.PROTECT,
        related_name="referral_commission",
    )
    amount = models.DecimalField(_("amount"), **AMOUNT)
    base_amount = models.DecimalField(_("paid by the customer"), **AMOUNT)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    available_at = models.DateTimeField(_("available from"))
    credited_at = models.DateTimeField(_("credited"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    reversed_at = models.DateTimeField(_("reversed"), null=True, blank=True)
    entry = models.OneToOneField(
        "balance.Entry",
        verbose_name=_("ledger entry"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reversal_entry = models.OneToOneField(
        "balance.Entry",
        verbose_name=_("reversal entry"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("commission")
        verbose_name_plural = _("commissions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="referral_commission_positive"
            ),
            models.CheckConstraint(
                condition=~Q(status="available") | Q(entry_id__isnull=False),
                name="referral_commission_available_has_entry",
            ),
            models.CheckConstraint(
                condition=~Q(status="reversed") | Q(reversal_entry_id__isnull=False),
                name="referral_commission_reversed_has_entry",
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "available_at"], name="referral_commission_due_idx"
            ),
            models.Index(
                fields=["referrer", "status"], name="referral_commission_ref_idx"
            ),
        ]

    def __str__(self):
        return f"{self.order} → {self.referrer}: {self.amount}"
