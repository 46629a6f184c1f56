"""The balance module's settings (one row)."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from balance.models.ledger import AMOUNT
from core.languages import LocalizedTextsMixin, validate_language_texts
from core.models import ModuleSettings


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
