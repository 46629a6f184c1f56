"""The funnel engine's state: funnels and their frozen versions, runs (one per
enrolment), step visits (one per step a run goes through), per-step counters and
the scheduler's health row."""

from automation.models.funnels import Funnel, FunnelVersion, StepCounter
from automation.models.runs import Run, StepVisit, Tick

__all__ = ["Funnel", "FunnelVersion", "Run", "StepCounter", "StepVisit", "Tick"]
