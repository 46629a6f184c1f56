"""What the funnels engine finds by name: triggers, actions, conditions,
shortcodes, and the newsletter consent it asks before sending."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass


@dataclass(frozen=True)
class AutomationContext:
    """What a funnel step knows when it runs an action, tests or fills a text.

    ``payload`` is the enrolling event's payload (JSON-safe, e.g.
    ``{"expiration_id": 7, "expiry_date": "2026-12-01"}``); ``run_id`` and
    ``step_visit_id`` identify the funnel run and the step visit (0 in a
    simulation); ``simulate`` is true when nothing may change; ``is_test`` marks a
    staff test enrolment.
    """

    run_id: int = 0
    step_visit_id: int = 0
    payload: dict[str, Any] = field(default_factory=dict)
    now: datetime | None = None
    simulate: bool = False
    is_test: bool = False


class AutomationActionRefused(Exception):
    """An action could not be done (e.g. a debit the balance cannot cover).

    The funnel step is marked failed with ``str(exception)`` as its message, shown
    to staff under "Needs attention"; the engine retries it with backoff.
    """


class AutomationActionSkipped(Exception):
    """An action was deliberately not done (e.g. no newsletter consent).

    The step is recorded as skipped with ``str(exception)`` as the reason, and the
    run goes on; it is never retried.
    """


@dataclass(frozen=True)
class TriggerHit:
    """One customer a time-based trigger found: enrol them under ``entry_key``."""

    customer_id: int
    entry_key: str
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AutomationTrigger:
    """Something that can start a funnel, known by name (e.g. "expiration.expired").

    An event trigger is fired by its app with
    ``core.automation_events.automation_event_send``.
    ``form_class`` checks the funnel's trigger parameters (which tag, which product);
    ``matches(params, payload)`` says whether an event fits a funnel's parameters
    (``None``: every event does). A time-based trigger ("N days before the expiry")
    gives ``scan(params, now)``, an iterable of ``TriggerHit`` that the funnel tick
    enrols (the entry key makes a second scan enrol nobody twice).
    """

    key: str
    label: Any
    description: Any = ""
    form_class: Any = None
    matches: Callable[[dict[str, Any], dict[str, Any]], bool] | None = None
    scan: Callable[[dict[str, Any], datetime], Iterable[TriggerHit]] | None = None
    order: int = 100


@dataclass(frozen=True)
class AutomationCall:
    """One customer's call in a batch of one step (``AutomationAction.run_many``)."""

    customer: Any
    idempotency_key: str
    context: AutomationContext


# What ``run_many`` gives for each call: the text ``run`` would return, or the
# refusal or skip ``run`` would raise.
AutomationOutcome = str | AutomationActionRefused | AutomationActionSkipped


@dataclass(frozen=True)
class AutomationAction:
    """Something a funnel step can do, known by name (e.g. "balance.assign_credits").

    ``run(customer, params, *, idempotency_key, context)`` performs it inside the
    engine's transaction and returns a short text saying what it did; it raises
    ``AutomationActionRefused`` or ``AutomationActionSkipped``. Called twice with the
    same idempotency key it does the thing once. ``describe(customer, params,
    context)``, if given, says what it would do, changing nothing (the simulator).
    ``form_class`` checks its parameters in the funnel editor. ``too_late_after`` is
    the default lateness past which an overdue step is skipped, not run (``None``:
    never too late). ``marketing``: needs the customer's consent.

    ``run_many(calls, params)``, optional, is ``run`` for many customers at once
    (a tick's visits of one step, at most one call per customer): it returns one
    ``AutomationOutcome`` per call, in order, with the same effects and texts as
    ``run`` called for each, in set-based queries. A call refused or skipped must
    have changed nothing; anything raised undoes the whole batch, and the engine
    then calls ``run`` for each visit instead.
    """

    key: str
    label: Any
    run: Callable[..., Any]
    form_class: Any = None
    describe: Callable[..., str] | None = None
    too_late_after: timedelta | None = None
    marketing: bool = False
    order: int = 100
    run_many: Callable[[list[AutomationCall], dict[str, Any]], list[Any]] | None = None


@dataclass(frozen=True)
class AutomationCondition:
    """A yes/no question an if/else step asks of a customer (e.g. "has tag").

    ``test(customer, params, context)`` answers it; ``form_class`` checks its
    parameters. Registered by the app that owns the data.
    """

    key: str
    label: Any
    test: Callable[..., bool]
    form_class: Any = None
    order: int = 100


@dataclass(frozen=True)
class AutomationShortcode:
    """A ``{name}`` an automation text may hold (e-mail subject and body, notes).

    ``value(customer, context)`` gives its text for the customer, in the active
    language; an app owning the data registers it (``{balance}``: balance).
    """

    key: str
    label: Any
    value: Callable[..., str]
    order: int = 100


@dataclass(frozen=True)
class NewsletterConsent:
    """The customers' marketing consent, as the funnels' e-mails need it.

    ``consents(customer, newsletter_list_id)`` says whether the customer accepts
    the list's e-mails (``None``: the newsletter's), and ``consents_many(customer_ids,
    newsletter_list_id)`` the same for many customers in one query: the set of
    those ids who accept (a tick's batch of e-mails asks it once, not once per
    customer; ``None``: the engine asks ``consents`` for each); ``unsubscribe(customer,
    newsletter_list_id)`` is the customer's own "no more of these" from a link in
    such an e-mail: done by the hub's services (a change on the card's timeline,
    by the customer), it returns whether anything changed (the second time:
    nothing). ``list_choices()`` gives the lists as (id, name) and ``list_name(id)``
    one list's name ("" when it is gone). Registered by ``customers`` (key
    ``"newsletter"``).
    """

    key: str
    consents: Callable[[Any, int | None], bool]
    unsubscribe: Callable[[Any, int | None], bool]
    list_choices: Callable[[], list[tuple[int, str]]]
    list_name: Callable[[int], str]
    order: int = 100
    consents_many: Callable[[Iterable[int], int | None], set[int]] | None = None
