from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BulkJob(models.Model):
    """A bulk action of the customer list run in the background: what it does, to
    whom (the list's query string), and how far it has got, for its progress page."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    action = models.CharField(_("action"), max_length=64)
    target_value = models.CharField(_("target"), max_length=255)
    target_label = models.CharField(_("target name"), max_length=255)
    query_string = models.TextField(_("filters"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    total = models.PositiveIntegerField(_("customers"), default=0)
    processed = models.PositiveIntegerField(_("processed"), default=0)
    changed = models.PositiveIntegerField(_("changed"), default=0)
    failure = models.TextField(_("failure"), blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("bulk action")
        verbose_name_plural = _("bulk actions")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.action} {self.target_label}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
