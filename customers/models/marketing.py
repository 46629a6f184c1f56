from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

colour_validator = RegexValidator(
    r"^#[0-9a-fA-F]{6}$", _("Use a colour like #1f7a4d (# and six hex digits).")
)


class Tag(models.Model):
    """An internal label staff put on customers ("VIP", "Hot lead"); staff only."""

    name = models.CharField(_("name"), max_length=60)
    colour = models.CharField(
        _("colour"), max_length=7, default="#2346c8", validators=[colour_validator]
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="customers_tag_name_ci_unique",
                violation_error_message=_("A tag with this name already exists."),
            ),
        ]

    def __str__(self):
        return self.name


class NewsletterList(models.Model):
    """A marketing list; an archived list takes no new subscribers."""

    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=255, blank=True)
    archived = models.BooleanField(_("archived"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("newsletter list")
        verbose_name_plural = _("newsletter lists")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="customers_newsletterlist_name_ci_unique",
                violation_error_message=_("A list with this name already exists."),
            ),
        ]

    def __str__(self):
        return self.name


class Subscription(models.Model):
    """A customer's membership of a newsletter list: when and how it began or ended.

    Subscribed while ``unsubscribed_at`` is empty. Every change is also an event in
    the customer's timeline, so the history is kept.
    """

    class Source(models.TextChoices):
        STAFF = "staff", _("By staff")
        CUSTOMER = "customer", _("By the customer")
        SIGNUP = "signup", _("At sign-up")
        IMPORT = "import", _("Import")
        BULK = "bulk", _("Bulk action")
        AUTOMATION = "automation", _("By a funnel")

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="subscriptions",
    )
    newsletter_list = models.ForeignKey(
        NewsletterList,
        verbose_name=_("newsletter list"),
        on_delete=models.CASCADE,
        related_name="subscriptions",
    )
    subscribed_at = models.DateTimeField(_("subscribed"))
    unsubscribed_at = models.DateTimeField(_("unsubscribed"), null=True, blank=True)
    source = models.CharField(_("how"), max_length=10, choices=Source.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "newsletter_list"],
                name="customers_subscription_unique",
            ),
        ]
        indexes = [
            models.Index(
                fields=["newsletter_list", "customer"],
                condition=models.Q(unsubscribed_at__isnull=True),
                name="customers_subscription_active",
            ),
        ]

    def __str__(self):
        return f"{self.customer_id} → {self.newsletter_list_id}"

    @property
    def is_active(self) -> bool:
        return self.unsubscribed_at is None
