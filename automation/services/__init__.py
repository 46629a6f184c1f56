"""The funnel engine's services (see each module): funnels (import, export,
publish, pause), the editor's draft (steps added, changed, moved, deleted),
enrolment (events, goals, bulk), the tick, and the simulator."""

from automation.services.drafts import (
    draft_changed,
    draft_discard,
    draft_document,
    draft_settings_update,
    draft_step_add,
    draft_step_delete,
    draft_step_move,
    draft_step_update,
)
from automation.services.enrolment import (
    automation_event_received,
    enrolment_refusal,
    funnel_enrol,
    funnel_enrol_customer,
)
from automation.services.funnels import (
    funnel_activate,
    funnel_create,
    funnel_export,
    funnel_import,
    funnel_pause,
    funnel_publish,
    funnel_resume,
)
from automation.services.simulate import SimulatedStep, funnel_simulate
from automation.services.tick import (
    TickReport,
    funnels_tick,
    run_cancel,
    step_visit_retry,
    step_visit_skip,
)

__all__ = [
    "SimulatedStep",
    "TickReport",
    "automation_event_received",
    "enrolment_refusal",
    "draft_changed",
    "draft_discard",
    "draft_document",
    "draft_settings_update",
    "draft_step_add",
    "draft_step_delete",
    "draft_step_move",
    "draft_step_update",
    "funnel_activate",
    "funnel_create",
    "funnel_enrol",
    "funnel_enrol_customer",
    "funnel_export",
    "funnel_import",
    "funnel_pause",
    "funnel_publish",
    "funnel_resume",
    "funnel_simulate",
    "funnels_tick",
    "run_cancel",
    "step_visit_retry",
    "step_visit_skip",
]
