"""The dashboard's funnel boxes: the scheduler (a warning when no tick ran for
five minutes while a funnel is active) and the steps needing attention."""

from __future__ import annotations

from automation.selectors import attention_count, scheduler_health


def scheduler_health_context(request) -> dict | None:
    """Shown while a funnel is active or steps are still due; a site that uses no
    funnel has no scheduler to watch."""
    health = scheduler_health()
    if not health.active and not health.backlog:
        return None
    return {"health": health}


def attention_context(request) -> dict:
    count, more = attention_count()
    return {"attention_count": count, "attention_more": more}
