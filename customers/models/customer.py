from decimal import Decimal
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.db import models
from django.db.models import F, OrderBy
from django.db.models.functions import Lower, Upper
from django.utils.translation import gettext_lazy as _

from customers.search import SEARCH_TEXT_SOURCES, customer_search_text

if TYPE_CHECKING:
    from core.models import User


class NullsOrderIndex(models.Index):
    """An index whose NULLS FIRST/LAST is written only on PostgreSQL.

    SQLite (the quick start's database) refuses NULLS LAST in CREATE INDEX; it gets
    the same index without it (SQLite sorts NULLs first ascending, last descending).
    """

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor == "postgresql":
            return super().create_sql(model, schema_editor, using=using, **kwargs)
        plain = self.clone()
        plain.expressions = tuple(
            OrderBy(expression.expression, descending=expression.descending)
            if isinstance(expression, OrderBy)
            else expression
            for expression in self.expressions
        )
        return models.Index.create_sql(
            plain, model, schema_editor, using=using, **kwargs
        )


class Customer(models.Model):
    """A customer of the business: the card every module plugs into.

    A customer may log in to their area when ``user`` is set and active; many never do.
    """

    class Sex(models.TextChoices):
        FEMALE = "f", _("Female")
        MALE = "m", _("Male")
        OTHER = "o", _("Other")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="customer",
    )
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    email = models.EmailField(_("e-mail"), max_length=254)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    mobile = models.CharField(_("mobile"), max_length=40, blank=True)
    website = models.URLField(_("website"), blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    language = models.CharField(
        _("preferred language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )

    address = models.CharField(_("address"), max_length=255, blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    region = models.CharField(_("region"), max_length=120, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)

    avatar = models.ImageField(_("avatar"), upload_to="avatars/%Y/%m/", blank=True)
    avatar_thumbnail = models.ImageField(
        _("avatar thumbnail"), upload_to="avatars/thumbnails/%Y/%m/", blank=True
    )

    company_name = models.CharField(_("company name"), max_length=200, blank=True)
    vat_number = models.CharField(_("VAT number"), max_length=40, blank=True)
    fiscal_code = models.CharField(_("fiscal code"), max_length=40, blank=True)
    billing_address = models.CharField(_("billing address"), max_length=255, blank=True)
    billing_city = models.CharField(_("billing city"), max_length=120, blank=True)
    billing_region = models.CharField(_("billing region"), max_length=120, blank=True)
    billing_postal_code = models.CharField(
        _("billing postal code"), max_length=20, blank=True
    )
    billing_country = models.CharField(_("billing country"), max_length=2, blank=True)

    tags = models.ManyToManyField(
        "customers.Tag", verbose_name=_("tags"), related_name="customers", blank=True
    )

    newsletter_subscribed = models.BooleanField(_("newsletter"), default=False)
    email_confirmed_at = models.DateTimeField(
        _("e-mail confirmed"), null=True, blank=True
    )

    source = models.CharField(_("source"), max_length=100, blank=True)
    utm_source = models.CharField(_("UTM source"), max_length=200, blank=True)
    utm_medium = models.CharField(_("UTM medium"), max_length=200, blank=True)
    utm_campaign = models.CharField(_("UTM campaign"), max_length=200, blank=True)
    utm_term = models.CharField(_("UTM term"), max_length=200, blank=True)
    utm_content = models.CharField(_("UTM content"), max_length=200, blank=True)
    referrer = models.URLField(_("referrer"), max_length=500, blank=True)
    registration_user_agent = models.CharField(
        _("registration device"), max_length=500, blank=True
    )

    # The money ledger's figures, kept on the customer row so the list can sort and
    # filter by them at a million customers. Only the balance app writes them, in the
    # transaction that inserts the ledger entry, under a lock of this row.
    balance = models.DecimalField(
        _("balance"), max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    balance_held = models.DecimalField(
        _("held balance"), max_digits=14, decimal_places=2, default=Decimal("0.00")
    )

    # When the customer's latest "call" action was created (None: never called), kept
    # here so the list can sort by it at a million customers. Only the action
    # services (customers.services.history) write it, in the transaction that
    # creates, re-kinds or deletes a call, under a lock of this row.
    last_call_at = models.DateTimeField(
        _("last call"), null=True, blank=True, editable=False
    )

    # The names, e-mail and phones folded for the search box (customers.search):
    # derived from those fields by save(), and by every bulk write that bypasses it.
    search_text = models.TextField(_("search text"), blank=True, editable=False)

    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="customer_email_ci_unique",
                violation_error_message=_(
                    "A customer with this e-mail already exists."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="customer_created_idx"),
            models.Index(
                fields=["last_name", "first_name", "id"], name="customer_name_idx"
            ),
            # The list filters city and region case-insensitively (UPPER(x) = ...)
            # and shows the newest first: one index scan, whatever the value's count.
            models.Index(
                Upper("city"),
                F("created_at").desc(),
                F("id").desc(),
                name="customer_city_created_idx",
            ),
            models.Index(
                Upper("region"),
                F("created_at").desc(),
                F("id").desc(),
                name="customer_region_created_idx",
            ),
            models.Index(fields=["postal_code"], name="customer_postal_code_idx"),
            models.Index(fields=["language"], name="customer_language_idx"),
            models.Index(
                fields=["email_confirmed_at"], name="customer_email_confirmed_idx"
            ),
            models.Index(fields=["balance", "id"], name="customer_balance_idx"),
            # The list sorts by the last call with the never-called last in both
            # directions. A B-tree read backwards flips NULLS LAST to NULLS FIRST,
            # so each direction has its own index.
            models.Index(fields=["last_call_at", "id"], name="customer_last_call_idx"),
            NullsOrderIndex(
                F("last_call_at").desc(nulls_last=True),
                F("id").desc(),
                name="customer_last_call_desc_idx",
            ),
        ]
        permissions = [
            ("export_customer", _("Can export customers")),
            ("import_customer", _("Can import customers")),
            ("impersonate_customer", _("Can log in as a customer")),
            # Each of these gives a staff member a way into the customer's account,
            # so none of them comes with "change customer".
            ("set_customer_password", _("Can set a customer's password by hand")),
            ("enable_customer_login", _("Can enable a customer's login")),
            (
                "send_customer_credentials",
                _("Can generate and e-mail a customer's credentials"),
            ),
            # The login follows the customer's e-mail, and so does its password
            # reset link.
            (
                "change_customer_login_email",
                _("Can change the e-mail a customer logs in with"),
            ),
        ]

    def __str__(self):
        return self.full_name or self.email

    def save(self, *args, **kwargs):
        # Not a business rule: search_text is a copy of other columns, kept in step
        # wherever they are saved (update_fields included).
        update_fields = kwargs.get("update_fields")
        if update_fields is None or not set(update_fields).isdisjoint(
            SEARCH_TEXT_SOURCES
        ):
            self.search_text_refresh()
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    def search_text_refresh(self) -> None:
        """Sets ``search_text`` from the fields it is built from (not saved)."""
        self.search_text = customer_search_text(
            **{name: getattr(self, name) for name in SEARCH_TEXT_SOURCES}
        )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def login_enabled(self) -> bool:
        return self.user_id is not None and cast("User", self.user).is_active
