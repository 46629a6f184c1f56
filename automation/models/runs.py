from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Run(models.Model):
    """One enrolment of a customer in a funnel.

    ``entry_key`` names the occurrence that enrolled them (unique per funnel: the
    same trigger fired twice enrols once); a customer has at most one active real
    run per funnel (a partial unique index).
    """

    class State(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("funnel run", "Active")
        COMPLETED = "completed", pgettext_lazy("funnel run", "Completed")
        EXITED = "exited", pgettext_lazy("funnel run", "Exited")
        CANCELLED = "cancelled", pgettext_lazy("funnel run", "Cancelled")

    # No index of their own on funnel and customer: the constraints' and indexes'
    # leading columns below serve them (one index fewer to fill per run enrolled).
    funnel = models.ForeignKey(
        "automation.Funnel",
        verbose_name=_("funnel"),
        on_delete=models.CASCADE,
        related_name="runs",
        db_index=False,
    )
    version = models.ForeignKey(
        "automation.FunnelVersion",
        verbose_name=_("funnel version"),
        on_delete=models.PROTECT,
        related_name="runs",
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="funnel_runs",
        db_index=False,
    )
    entry_key = models.CharField(_("entry key"), max_length=200)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.ACTIVE
    )
    is_test = models.BooleanField(_("test"), default=False)
    payload = models.JSONField(_("payload"), default=dict)
    entered_at = models.DateTimeField(_("entered"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    converted_at = models.DateTimeField(_("goal reached"), null=True, blank=True)

    class Meta:
        verbose_name = _("funnel run")
        verbose_name_plural = _("funnel runs")
        ordering = ["-entered_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["funnel", "entry_key"], name="automation_run_entry_unique"
            ),
            models.UniqueConstraint(
                fields=["funnel", "customer"],
                condition=models.Q(state="active", is_test=False),
                name="automation_run_one_active",
            ),
        ]
        indexes = [
            models.Index(
                fields=["customer", "funnel", "-entered_at"],
                name="automation_run_customer_idx",
            ),
            models.Index(fields=["funnel", "state"], name="automation_run_state_idx"),
        ]

    def __str__(self):
        return f"{self.funnel_id}:{self.customer_id}:{self.entry_key}"


class StepVisit(models.Model):
    """A run's passage through one step (the n-th time, in a loop with a wait).

    A scheduled visit is due at ``due_at``: that is how waits and retries wait, in
    the database, never in the broker.
    """

    class State(models.TextChoices):
        SCHEDULED = "scheduled", pgettext_lazy("funnel step", "Scheduled")
        RUNNING = "running", pgettext_lazy("funnel step", "Running")
        DONE = "done", pgettext_lazy("funnel step", "Done")
        SKIPPED = "skipped", pgettext_lazy("funnel step", "Skipped")
        FAILED = "failed", pgettext_lazy("funnel step", "Failed")
        CANCELLED = "cancelled", pgettext_lazy("funnel step", "Cancelled")

    # Served by the unique (run, step_key, visit): no index of its own.
    run = models.ForeignKey(
        Run,
        verbose_name=_("run"),
        on_delete=models.CASCADE,
        related_name="visits",
        db_index=False,
    )
    step_key = models.CharField(_("step"), max_length=100)
    visit = models.PositiveIntegerField(_("visit"), default=1)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.SCHEDULED
    )
    due_at = models.DateTimeField(_("due"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    result = models.TextField(_("result"), blank=True)
    error = models.TextField(_("error"), blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("step visit")
        verbose_name_plural = _("step visits")
        ordering = ["run", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "step_key", "visit"], name="automation_visit_unique"
            ),
        ]
        indexes = [
            # The tick's claim: due scheduled visits, oldest first, in the claim's
            # own order (due_at, id), so a batch of 500 reads 500 entries, not the
            # whole backlog sorted (runs enrolled together share their due_at).
            models.Index(
                fields=["due_at", "id"],
                condition=models.Q(state="scheduled"),
                name="automation_visit_due_idx",
            ),
            # Needs attention: failed steps and those being retried (a few rows,
            # not every done visit: the tick's updates and the enrolment's inserts
            # do not maintain it).
            models.Index(
                fields=["due_at"],
                condition=models.Q(state="failed")
                | models.Q(state="scheduled", attempts__gt=0),
                name="automation_visit_attention_idx",
            ),
        ]

    def __str__(self):
        return f"{self.run_id}:{self.step_key}#{self.visit}"


class Tick(models.Model):
    """The scheduler's health: one row (pk 1), written by every tick."""

    last_tick_at = models.DateTimeField(_("last tick"), null=True, blank=True)
    steps_done = models.PositiveIntegerField(_("steps in the last tick"), default=0)
    backlog = models.PositiveIntegerField(_("backlog"), default=0)
    oldest_due_at = models.DateTimeField(_("oldest due step"), null=True, blank=True)

    class Meta:
        verbose_name = _("scheduler tick")
        verbose_name_plural = _("scheduler ticks")

    def __str__(self):
        return str(self.last_tick_at)
