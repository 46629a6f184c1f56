from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Subscription(models.Model):
    """A URL that receives the chosen events, signed with its secret."""

    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    description = models.CharField(_("description"), max_length=100, blank=True)
    # Stored to sign each delivery (HMAC needs it); shown to Managers once.
    secret = models.CharField(_("signing secret"), max_length=100)
    # The secret replaced by the last rotation: it also signs until the time below
    # (the receiver switches to the new one meanwhile).
    previous_secret = models.CharField(
        _("previous signing secret"), max_length=100, blank=True
    )
    previous_secret_until = models.DateTimeField(
        _("previous secret signs until"), null=True, blank=True
    )
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # The first failed attempt since the last success; None while it delivers.
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    disabled_reason = models.CharField(
        _("why it was disabled"), max_length=200, blank=True
    )

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.url

    def signing_secrets(self, now: datetime) -> list[str]:
        """The secrets that sign a delivery at ``now``: the current one first."""
        if (
            self.previous_secret
            and self.previous_secret_until is not None
            and now < self.previous_secret_until
        ):
            return [self.secret, self.previous_secret]
        return [self.secret]


class Delivery(models.Model):
    """One event for one subscription: the outbox row the worker sends."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    subscription = models.ForeignKey(
        Subscription,
        verbose_name=_("subscription"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    event_id = models.CharField(_("event id"), max_length=64)
    event_type = models.CharField(_("event type"), max_length=64)
    payload = models.JSONField(_("payload"))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    due_at = models.DateTimeField(_("due at"))
    # Retries stop here (3 days after the event, or after a resend).
    give_up_at = models.DateTimeField(_("retried until"))
    last_status_code = models.PositiveSmallIntegerField(
        _("last status code"), null=True, blank=True
    )
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event_id"],
                name="webhooks_delivery_one_per_event",
            )
        ]
        indexes = [
            # The claim's own order (due_at, id): deliveries written together share
            # their due_at, and on due_at alone PostgreSQL sorts every pending one
            # to take a batch (the funnels' claim did, 2.2 s at 100,000 due).
            models.Index(
                fields=["due_at", "id"],
                condition=Q(state="pending"),
                name="webhooks_delivery_due",
            )
        ]

    def __str__(self):
        return f"{self.event_type} {self.event_id} → {self.subscription_id}"


class Attempt(models.Model):
    """One try at sending a delivery: the delivery log."""

    delivery = models.ForeignKey(
        Delivery,
        verbose_name=_("delivery"),
        on_delete=models.CASCADE,
        related_name="attempt_log",
    )
    at = models.DateTimeField(_("time"))
    status_code = models.PositiveSmallIntegerField(
        _("status code"), null=True, blank=True
    )
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.delivery_id} {self.at:%Y-%m-%d %H:%M:%S} {self.status_code}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
