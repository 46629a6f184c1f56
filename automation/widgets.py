"""The dashboard's funnel scheduler box: a warning when no tick ran for five
minutes while a funnel is active."""

from __future__ import annotations

from automation.selectors import scheduler_health


def scheduler_health_context(request) -> dict:
    return {"health": scheduler_health()}
