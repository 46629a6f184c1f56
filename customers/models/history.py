"""What happened with a customer: system events, staff actions, support requests."""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CustomerEvent(models.Model):
    """Something that happened with a customer, recorded once, never edited.

    Written by the customers app's services (registration, logins, login changes,
    impersonation, marketing changes...); the timeline shows them with the events
    that other apps register.
    """

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        CREATED_BY_STAFF = "created", _("Created by staff")
        IMPORTED = "imported", _("Imported")
        LOGGED_IN = "logged_in", _("Logged in")
        LOGIN_ENABLED = "login_enabled", _("Login enabled")
        LOGIN_DISABLED = "login_disabled", _("Login disabled")
        PASSWORD_SET = "password_set", _("Password set")
        CREDENTIALS_SENT = "credentials_sent", _("Credentials sent")
        CONFIRMATION_SENT = "confirmation_sent", _("Confirmation request sent")
        EMAIL_CONFIRMED = "email_confirmed", _("E-mail confirmed")
        IMPERSONATION_STARTED = (
            "impersonation_started",
            _("Staff logged in as the customer"),
        )
        IMPERSONATION_ENDED = (
            "impersonation_ended",
            _("Staff stopped logging in as the customer"),
        )
        SUBSCRIBED = "subscribed", _("Subscribed to a list")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed from a list")
        TAG_ADDED = "tag_added", _("Tag added")
        TAG_REMOVED = "tag_removed", _("Tag removed")
        PROFILE_UPDATED = "profile_updated", _("Profile updated")
        # Staff moved the customer's login to another e-mail address.
        LOGIN_EMAIL_CHANGED = "login_email_changed", _("Login e-mail changed by staff")
        # A write in the customer area made by staff logged in as the customer
        # (cart, addresses, support requests...), which has no event of its own.
        STAFF_AS_CUSTOMER = "staff_as_customer", _("Staff acted as the customer")

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=False)

    class Meta:
        verbose_name = _("customer event")
        verbose_name_plural = _("customer events")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["customer", "-created_at"], name="customers_event_timeline"
            ),
        ]

    def __str__(self):
        return self.get_kind_display()

    @property
    def title(self) -> str:
        """What happened, as the timeline and the sidebar say it: who logged in
        as the customer ("Ana Bianchi stopped logging in as the customer")."""
        impersonation: dict[str, Any] = {
            self.Kind.IMPERSONATION_STARTED: _("%(name)s logged in as the customer"),
            self.Kind.IMPERSONATION_ENDED: _(
                "%(name)s stopped logging in as the customer"
            ),
        }
        if self.kind in impersonation and self.actor is not None:
            name = self.actor.get_full_name() or self.actor.email
            return str(impersonation[self.kind]) % {"name": name}
        return self.get_kind_display()


class CustomerAction(models.Model):
    """Something staff did or must do with a customer: a call, a meeting, a note..."""

    class Kind(models.TextChoices):
        CALL = "call", _("Call")
        MEETING = "meeting", _("Meeting")
        EMAIL = "email", _("E-mail")
        NOTE = "note", _("Note")
        TASK = "task", _("Task")
        OTHER = "other", _("Other")

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="actions",
    )
    kind = models.CharField(
        _("type"), max_length=10, choices=Kind.choices, default=Kind.NOTE
    )
    title = models.CharField(_("title"), max_length=200)
    note = models.TextField(_("note"), blank=True, help_text=_("Sanitised HTML."))
    due_date = models.DateField(_("due date"), null=True, blank=True)
    done = models.BooleanField(_("done"), default=False)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Set by a funnel step that creates the action: the step's key, so a retried
    # step creates it once. A database default too, for the writers that list
    # their columns (the benchmarks' COPY).
    idempotency_key = models.CharField(
        max_length=200, blank=True, default="", db_default="", editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="customers_action_unique_key",
            ),
        ]
        indexes = [
            models.Index(
                fields=["customer", "-created_at"], name="customers_action_timeline"
            ),
            models.Index(
                fields=["customer", "kind", "-created_at"],
                name="customers_action_kind",
            ),
            models.Index(
                fields=["due_date"],
                condition=models.Q(done=False),
                name="customers_action_open_due",
            ),
        ]

    def __str__(self):
        return self.title


class ActionAttachment(models.Model):
    action = models.ForeignKey(
        CustomerAction,
        verbose_name=_("action"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to="actions/%Y/%m/")
    name = models.CharField(_("name"), max_length=255)
    size = models.PositiveIntegerField(_("size"))
    content_type = models.CharField(_("type"), max_length=100)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self):
        return self.name


class SupportRequest(models.Model):
    """A message a customer sent through the contact form of their area."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="support_requests",
    )
    subject = models.CharField(_("subject"), max_length=200)
    message = models.TextField(_("message"), max_length=5000)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("support request")
        verbose_name_plural = _("support requests")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["customer", "-created_at"], name="customers_support_timeline"
            ),
        ]

    def __str__(self):
        return self.subject
