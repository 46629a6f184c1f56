"""The dashboard's funnel boxes: the scheduler (a warning when no tick ran for
five minutes while a funnel is active) and the steps needing attention."""

from __future__ import annotations

from automation.selectors import attention_count, scheduler_health


def scheduler_health_context(request) -> dict:
    return {"health": scheduler_health()}


def attention_context(request) -> dict:
    count, more = attention_count()
    return {"attention_count": count, "attention_more": more}
