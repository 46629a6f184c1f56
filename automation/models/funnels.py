from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Funnel(models.Model):
    """A named flow: one trigger, then steps.

    ``draft`` is the definition being edited (the JSON document of
    ``automation.definition``); publishing freezes it as a ``FunnelVersion`` and
    copies its trigger and re-entry policy here, where the enrolment reads them.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("funnel status", "Draft")
        ACTIVE = "active", pgettext_lazy("funnel status", "Active")
        PAUSED = "paused", pgettext_lazy("funnel status", "Paused")

    class Reentry(models.TextChoices):
        ONCE = "once", _("Once ever")
        ONE_AT_A_TIME = "one_at_a_time", _("Once at a time")
        AGAIN_AFTER = "again_after", _("Again after some days")

    name = models.CharField(_("name"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    trigger_key = models.CharField(_("trigger"), max_length=100, blank=True)
    trigger_params = models.JSONField(_("trigger parameters"), default=dict)
    reentry = models.CharField(
        _("re-entry"), max_length=20, choices=Reentry.choices, default=Reentry.ONCE
    )
    reentry_days = models.PositiveIntegerField(
        _("re-entry after (days)"), null=True, blank=True
    )
    draft = models.JSONField(_("draft definition"), default=dict)
    published_version = models.ForeignKey(
        "automation.FunnelVersion",
        verbose_name=_("published version"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("funnel")
        verbose_name_plural = _("funnels")
        ordering = ["name", "id"]
        indexes = [
            models.Index(
                fields=["trigger_key", "status"], name="automation_funnel_trigger_idx"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(reentry="again_after")
                | models.Q(reentry_days__gte=1),
                name="automation_funnel_reentry_days",
            )
        ]

    def __str__(self):
        return self.name


class FunnelVersion(models.Model):
    """A published, frozen definition: runs follow the version they entered with."""

    funnel = models.ForeignKey(
        Funnel,
        verbose_name=_("funnel"),
        on_delete=models.CASCADE,
        related_name="versions",
    )
    number = models.PositiveIntegerField(_("number"))
    definition = models.JSONField(_("definition"))
    published_at = models.DateTimeField(_("published"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("funnel version")
        verbose_name_plural = _("funnel versions")
        ordering = ["funnel", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["funnel", "number"], name="automation_version_number_unique"
            )
        ]

    def __str__(self):
        return f"{self.funnel_id} v{self.number}"

    def step(self, key: str) -> dict | None:
        for step in self.definition.get("steps", []):
            if step.get("key") == key:
                return step
        return None


class StepCounter(models.Model):
    """A step's statistics, kept with ``F()`` in the transactions that change visits
    (test runs are left out): never counted from the visit rows."""

    version = models.ForeignKey(
        FunnelVersion,
        verbose_name=_("funnel version"),
        on_delete=models.CASCADE,
        related_name="counters",
    )
    step_key = models.CharField(_("step"), max_length=100)
    entered = models.PositiveIntegerField(_("entered"), default=0)
    waiting = models.IntegerField(_("waiting"), default=0)
    done = models.PositiveIntegerField(pgettext_lazy("step count", "done"), default=0)
    skipped = models.PositiveIntegerField(_("skipped"), default=0)
    failed = models.IntegerField(_("failed"), default=0)

    class Meta:
        verbose_name = _("step counter")
        verbose_name_plural = _("step counters")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "step_key"], name="automation_counter_unique"
            )
        ]

    def __str__(self):
        return f"{self.version_id}:{self.step_key}"
