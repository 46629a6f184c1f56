from django.db import models
from django.utils.translation import gettext_lazy as _


class ShippingAddress(models.Model):
    """Where a customer's goods go; one of a customer's addresses is the default."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="shipping_addresses",
    )
    label = models.CharField(_("label"), max_length=60, blank=True)
    recipient = models.CharField(_("recipient"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=255)
    city = models.CharField(_("city"), max_length=120)
    region = models.CharField(_("region"), max_length=120, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_default = models.BooleanField(_("default"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("shipping address")
        verbose_name_plural = _("shipping addresses")
        ordering = ["-is_default", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(is_default=True),
                name="customers_one_default_shipping_address",
            ),
        ]

    def __str__(self):
        return ", ".join(
            part for part in (self.address, self.postal_code, self.city) if part
        )
