"""API keys, and the POST requests remembered under their Idempotency-Key."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    """What a key may do; an endpoint asks for one of these."""

    CUSTOMERS_READ = "customers:read", _("Read customers")
    CUSTOMERS_WRITE = "customers:write", _("Create and update customers")
    BALANCE_READ = "balance:read", _("Read balances and entries")
    BALANCE_WRITE = "balance:write", _("Credit and debit balances")
    EXPIRATIONS_READ = "expirations:read", _("Read expirations")
    EXPIRATIONS_WRITE = "expirations:write", _("Create and update expirations")
    EVENTS_WRITE = "events:write", _("Send custom events")


class ApiKey(models.Model):
    """A key another system sends as ``Authorization: Bearer clt_<prefix>_<secret>``.

    Only the SHA-256 of the secret is stored: the key is shown once, when created.
    ``prefix`` finds the row and is what the lists show.
    """

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True)
    secret_hash = models.CharField(_("secret hash"), max_length=64)
    # The scopes' values, in Scope's order (a JSON list: SQLite has no arrays).
    scopes = models.JSONField(_("scopes"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Updated at most once a minute, not on every request.
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def display_prefix(self) -> str:
        return f"clt_{self.prefix}_…"

    @property
    def author_label(self) -> str:
        """Who the ledger says posted an entry through this key."""
        return f"API key “{self.name}” ({self.prefix})"[:150]


class IdempotentRequest(models.Model):
    """A POST answered under an ``Idempotency-Key``: the same key again replays its
    status and body; with another body it is refused (409). The unique pair makes
    two identical requests at the same moment run once."""

    api_key = models.ForeignKey(
        ApiKey,
        verbose_name=_("API key"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # the unique constraint starts with it
    )
    key = models.CharField(_("idempotency key"), max_length=150)
    # SHA-256 of the method, the path and the body.
    request_hash = models.CharField(_("request hash"), max_length=64)
    response_status = models.PositiveSmallIntegerField(_("response status"))
    response_body = models.JSONField(_("response body"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotent request")
        verbose_name_plural = _("idempotent requests")
        constraints = [
            models.UniqueConstraint(
                fields=["api_key", "key"], name="api_idempotent_request_key_unique"
            )
        ]

    def __str__(self) -> str:
        return self.key
