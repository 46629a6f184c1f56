"""Scheduled e-mails of saved reports: when they are due, what period they
cover, and the send (``schedule_send``, run by the beat task for each schedule
that is due).

``calendar.py`` computes the occurrences and periods, ``services.py`` writes.
"""

from reports.schedules.calendar import (
    schedule_next_due,
    schedule_occurrence_last,
    schedule_period,
)
from reports.schedules.services import (
    ScheduleOutcome,
    schedule_can_change,
    schedule_delete,
    schedule_save,
    schedule_send,
    schedules_run_due,
)

__all__ = [
    "ScheduleOutcome",
    "schedule_can_change",
    "schedule_delete",
    "schedule_next_due",
    "schedule_occurrence_last",
    "schedule_period",
    "schedule_save",
    "schedule_send",
    "schedules_run_due",
]
