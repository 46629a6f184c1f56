from django.db import models
from django.utils.translation import gettext_lazy as _


class PushDevice(models.Model):
    """A device of the customer's that receives push notifications."""

    class Platform(models.TextChoices):
        IOS = "ios", "iOS"
        ANDROID = "android", "Android"
        WEB = "web", _("Web browser")

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="push_devices",
    )
    token = models.CharField(_("token"), max_length=512, unique=True)
    platform = models.CharField(_("platform"), max_length=10, choices=Platform.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("last seen"), auto_now=True)

    class Meta:
        verbose_name = _("push device")
        verbose_name_plural = _("push devices")
        ordering = ["-last_seen_at"]

    def __str__(self):
        return self.name or self.get_platform_display()
