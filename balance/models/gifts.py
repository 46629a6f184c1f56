"""Periodic gifts and the log of their runs."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from balance.models.ledger import AMOUNT


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
