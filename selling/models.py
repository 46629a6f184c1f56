"""The catalog, the customers' carts and their orders.

Amounts are ``Decimal`` with two places. An order keeps a copy of what was bought
(product name, unit price) so a later change of the catalog never rewrites it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import cast

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from core.languages import (
    LanguageTextsValidator,
    LocalizedTextsMixin,
    text_for_language,
    texts_as_dict,
)
from core.models import ModuleSettings

ZERO = Decimal("0.00")

PRODUCT_NAME_MAX_LENGTH = 200
PRODUCT_DESCRIPTION_MAX_LENGTH = 5000
INSTRUCTIONS_MAX_LENGTH = 2000


class Product(LocalizedTextsMixin, models.Model):
    """Something the business sells; a service has a renewal period.

    ``name`` and ``description`` are the texts in the site's default language
    (``LANGUAGE_CODE``): staff pages, ordering and search use them. The other
    languages' texts are in ``name_translations`` and ``description_translations``
    ({"it": ..., "es": ...}); customers read ``localized_name`` and
    ``localized_description``, which fall back to the default language.
    """

    LOCALIZED_FIELDS = ("name", "description")

    class PeriodUnit(models.TextChoices):
        DAYS = "days", _("days")
        WEEKS = "weeks", _("weeks")
        MONTHS = "months", _("months")
        YEARS = "years", _("years")

    name = models.CharField(_("name"), max_length=PRODUCT_NAME_MAX_LENGTH)
    description = models.TextField(_("description"), blank=True)
    name_translations = models.JSONField(
        _("name in other languages"),
        default=dict,
        blank=True,
        validators=[LanguageTextsValidator(max_length=PRODUCT_NAME_MAX_LENGTH)],
    )
    description_translations = models.JSONField(
        _("description in other languages"),
        default=dict,
        blank=True,
        validators=[LanguageTextsValidator(max_length=PRODUCT_DESCRIPTION_MAX_LENGTH)],
    )
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=2)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Only active products can be bought.")
    )
    renewal_period = models.PositiveSmallIntegerField(
        _("renewal period"),
        null=True,
        blank=True,
        help_text=_("For a service: how long one purchase lasts, e.g. 1 year."),
    )
    renewal_unit = models.CharField(
        _("renewal unit"), max_length=10, choices=PeriodUnit.choices, blank=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price__gte=0), name="product_price_not_negative"
            ),
            models.CheckConstraint(
                condition=(Q(renewal_period__isnull=True) & Q(renewal_unit=""))
                | (Q(renewal_period__gt=0) & ~Q(renewal_unit="")),
                name="product_renewal_period_complete",
            ),
        ]

    def __str__(self):
        return self.name

    def localized_texts(self, field_name: str) -> dict[str, str]:
        """``name`` or ``description`` by language: the default language's text is
        the field itself, the others its ``_translations``."""
        if field_name not in self.LOCALIZED_FIELDS:
            raise ValueError(f"{field_name!r} is not a text per language of Product.")
        texts = texts_as_dict(getattr(self, f"{field_name}_translations"))
        texts[settings.LANGUAGE_CODE] = getattr(self, field_name) or ""
        return {code: text for code, text in texts.items() if text}

    def name_in(self, language: str | None) -> str:
        """The name for a reader of ``language`` (None: the active language, the
        customer's in their pages), else the default language's."""
        return self.localized("name", language) or self.name

    @property
    def localized_name(self) -> str:
        return self.name_in(None)

    @property
    def localized_description(self) -> str:
        return self.localized("description")

    @property
    def is_renewable(self) -> bool:
        return bool(self.renewal_period and self.renewal_unit)

    @property
    def renewal_period_text(self) -> str:
        """ "1 year", "3 months"; empty for a product that is not a service."""
        if not self.is_renewable:
            return ""
        count = cast(int, self.renewal_period)  # set: the product is renewable
        texts: dict[str, str] = {
            self.PeriodUnit.DAYS: ngettext("%(count)s day", "%(count)s days", count),
            self.PeriodUnit.WEEKS: ngettext("%(count)s week", "%(count)s weeks", count),
            self.PeriodUnit.MONTHS: ngettext(
                "%(count)s month", "%(count)s months", count
            ),
            self.PeriodUnit.YEARS: ngettext("%(count)s year", "%(count)s years", count),
        }
        text = texts.get(self.renewal_unit)
        return text % {"count": count} if text else ""


class Cart(models.Model):
    """A customer's cart: one per customer, emptied when an order is placed."""

    customer = models.OneToOneField(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="cart",
    )
    balance_discount = models.DecimalField(
        _("balance discount"),
        max_digits=12,
        decimal_places=2,
        default=ZERO,
        help_text=_("What the customer chose to pay with their balance."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("cart")
        verbose_name_plural = _("carts")

    def __str__(self):
        return str(self.customer)


class CartLine(models.Model):
    """A product in a cart; ``renews`` names what a renewal is for ("expiration:42")."""

    cart = models.ForeignKey(
        Cart, verbose_name=_("cart"), on_delete=models.CASCADE, related_name="lines"
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    renews_type = models.CharField(_("renews (type)"), max_length=40, blank=True)
    renews_id = models.CharField(_("renews (id)"), max_length=40, blank=True)
    added_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("cart line")
        verbose_name_plural = _("cart lines")
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cart", "product", "renews_type", "renews_id"],
                name="cart_line_unique_product",
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="cart_line_quantity_positive"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.product}"


class Order(models.Model):
    """What a customer bought, how much of it the balance paid, and its state.

    ``total_due = subtotal - balance_discount``. The discount is held on the balance
    when the order is placed (``balance_hold_id``), posted when it is paid, released
    when it is cancelled; a refund credits it back.
    """

    class Status(models.TextChoices):
        # A context: in Spanish, Italian and Portuguese the word agrees with "order".
        PENDING = "pending", pgettext_lazy("order status", "Pending payment")
        PAID = "paid", pgettext_lazy("order status", "Paid")
        CANCELLED = "cancelled", pgettext_lazy("order status", "Cancelled")
        REFUNDED = "refunded", pgettext_lazy("order status", "Refunded")

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="orders",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    payment_method = models.CharField(_("payment method"), max_length=40)
    subtotal = models.DecimalField(_("subtotal"), max_digits=12, decimal_places=2)
    balance_discount = models.DecimalField(
        _("balance discount"), max_digits=12, decimal_places=2, default=ZERO
    )
    total_due = models.DecimalField(_("total due"), max_digits=12, decimal_places=2)
    # The balance module's hold (an id, not a foreign key: selling works without it).
    balance_hold_id = models.BigIntegerField(null=True, blank=True, editable=False)
    idempotency_key = models.CharField(max_length=100, editable=False)
    payment_reference = models.CharField(
        _("payment reference"), max_length=200, blank=True
    )
    cancel_reason = models.CharField(_("reason"), max_length=500, blank=True)
    placed_at = models.DateTimeField(_("placed"), auto_now_add=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("refunded"), null=True, blank=True)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("placed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-placed_at", "-id"]
        permissions = [("manage_order", _("Can mark orders paid, cancel and refund"))]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "idempotency_key"], name="order_unique_key"
            ),
            models.CheckConstraint(
                condition=Q(subtotal__gte=0)
                & Q(balance_discount__gte=0)
                & Q(balance_discount__lte=models.F("subtotal"))
                & Q(total_due=models.F("subtotal") - models.F("balance_discount")),
                name="order_amounts_consistent",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-placed_at"], name="order_customer_idx"),
            models.Index(fields=["status", "-placed_at"], name="order_status_idx"),
        ]

    def __str__(self):
        return self.number

    @property
    def number(self) -> str:
        return f"#{self.pk:06d}" if self.pk else "#"


class OrderLine(models.Model):
    """One product of an order, as it was sold."""

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines"
    )
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        related_name="order_lines",
    )
    product_name = models.CharField(_("product"), max_length=PRODUCT_NAME_MAX_LENGTH)
    # The product's names in the other languages when it was sold ({"it": ...}).
    product_name_translations = models.JSONField(
        _("product in other languages"), default=dict, blank=True
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    line_total = models.DecimalField(_("total"), max_digits=12, decimal_places=2)
    renews_type = models.CharField(_("renews (type)"), max_length=40, blank=True)
    renews_id = models.CharField(_("renews (id)"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="order_line_quantity_positive"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.product_name}"

    @property
    def localized_product_name(self) -> str:
        """The product's name as sold, in the active language (the customer's)."""
        texts = texts_as_dict(self.product_name_translations)
        texts[settings.LANGUAGE_CODE] = self.product_name
        return text_for_language(texts) or self.product_name


class SellingSettings(LocalizedTextsMixin, ModuleSettings):
    """The module's settings (one row): what the bank-transfer instructions say.

    The instructions are one text per language ({"en": ..., "pt": ...}); read them
    with ``localized("bank_transfer_instructions")``.
    """

    LOCALIZED_FIELDS = ("bank_transfer_instructions",)

    bank_transfer_instructions = models.JSONField(
        _("bank transfer instructions"),
        default=dict,
        blank=True,
        validators=[LanguageTextsValidator(max_length=INSTRUCTIONS_MAX_LENGTH)],
        help_text=_(
            "Shown after checkout and in the order e-mail: account holder, IBAN, "
            "what to write as the reference. {order} is replaced by the order number."
        ),
    )
    staff_notification_emails = models.TextField(
        _("notify staff of new orders"),
        blank=True,
        help_text=_("One e-mail address per line."),
    )

    class Meta:
        verbose_name = _("selling settings")
        verbose_name_plural = _("selling settings")
