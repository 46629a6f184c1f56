"""What the customers hub offers funnels: triggers, actions, conditions, and the
newsletter consent of marketing e-mails (``customers.automation.newsletter``).

Triggers are fired by the services (``customers.services.profile`` and
``.login`` for "customer.created", ``.marketing`` for tags and lists), once per
real change and inside its transaction; here they are declared with their
parameters. Actions go through the same services, so adding a tag from a funnel
also fires "customer.tag_added" and records the change in the timeline; they are
idempotent by nature (a customer who has the tag is left alone), and the to-do is
keyed by the step's idempotency key.

The parameter forms are in ``customers.automation.forms``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from core import plugins
from core.plugins import (
    AutomationActionRefused,
    AutomationCall,
    AutomationContext,
    AutomationOutcome,
)
from core.shortcodes import shortcodes_render
from customers.automation.forms import (
    TODO_MAX_DAYS,
    CreateTodoForm,
    CustomerCreatedForm,
    LanguageForm,
    ListForm,
    ListTriggerForm,
    SubscribeListForm,
    TagForm,
    TagTriggerForm,
)
from customers.models import CustomerAction, NewsletterList, Subscription, Tag
from customers.services.history import action_create_once
from customers.services.marketing import (
    TagLink,
    newsletter_list_subscribe,
    newsletter_list_unsubscribe,
    tag_assign,
    tag_unassign,
)

# --- Triggers: which events fit a funnel's parameters ---


def _same_id(wanted: Any, given: Any) -> bool:
    return wanted in (None, "") or str(wanted) == str(given)


def created_matches(params: dict[str, Any], payload: dict[str, Any]) -> bool:
    return params.get("source") in (None, "") or params["source"] == payload.get(
        "source"
    )


def tag_matches(params: dict[str, Any], payload: dict[str, Any]) -> bool:
    return _same_id(params.get("tag"), payload.get("tag_id"))


def list_matches(params: dict[str, Any], payload: dict[str, Any]) -> bool:
    return _same_id(params.get("newsletter_list"), payload.get("list_id"))


# --- Actions ---


def _tag(params: dict[str, Any]) -> Tag:
    tag = Tag.objects.filter(pk=_pk(params.get("tag"))).first()
    if tag is None:
        raise AutomationActionRefused(
            _("The tag of this step no longer exists: choose another one.")
        )
    return tag


def _list(params: dict[str, Any]) -> NewsletterList:
    newsletter_list = NewsletterList.objects.filter(
        pk=_pk(params.get("newsletter_list"))
    ).first()
    if newsletter_list is None:
        raise AutomationActionRefused(
            _("The list of this step no longer exists: choose another one.")
        )
    return newsletter_list


def _id(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _pk(value: Any) -> int:
    """A row's id from the parameters; 0 (no row has it) when there is none."""
    return _id(value) or 0


def _has_tag(customer_id: int, tag_id: int) -> bool:
    return TagLink.objects.filter(customer_id=customer_id, tag_id=tag_id).exists()


def _in_list(customer_id: int, list_id: int) -> bool:
    return Subscription.objects.filter(
        customer_id=customer_id,
        newsletter_list_id=list_id,
        unsubscribed_at__isnull=True,
    ).exists()


def add_tag(customer, params, *, idempotency_key: str, context) -> str:
    tag = _tag(params)
    if tag_assign(tag=tag, customer_ids=[customer.pk]):
        return _("Tag “%(name)s” added.") % {"name": tag.name}
    return _("The customer already had the tag “%(name)s”.") % {"name": tag.name}


def add_tag_many(calls: list[AutomationCall], params) -> list[AutomationOutcome]:
    """ "customers.add_tag" for a batch: one ``tag_assign`` for all the customers
    (one lock, one insert, their timeline events and "customer.tag_added")."""
    tag = _tag(params)
    ids = [call.customer.pk for call in calls]
    had = set(
        TagLink.objects.filter(tag_id=tag.pk, customer_id__in=ids).values_list(
            "customer_id", flat=True
        )
    )
    tag_assign(tag=tag, customer_ids=ids)
    added = _("Tag “%(name)s” added.") % {"name": tag.name}
    already = _("The customer already had the tag “%(name)s”.") % {"name": tag.name}
    return [already if pk in had else added for pk in ids]


def add_tag_describe(customer, params, context) -> str:
    tag = _tag(params)
    if _has_tag(customer.pk, tag.pk):
        return _("Already has the tag “%(name)s”: nothing would change.") % {
            "name": tag.name
        }
    return _("Would add the tag “%(name)s”.") % {"name": tag.name}


def remove_tag(customer, params, *, idempotency_key: str, context) -> str:
    tag = _tag(params)
    if tag_unassign(tag=tag, customer_ids=[customer.pk]):
        return _("Tag “%(name)s” removed.") % {"name": tag.name}
    return _("The customer did not have the tag “%(name)s”.") % {"name": tag.name}


def remove_tag_describe(customer, params, context) -> str:
    tag = _tag(params)
    if not _has_tag(customer.pk, tag.pk):
        return _("Does not have the tag “%(name)s”: nothing would change.") % {
            "name": tag.name
        }
    return _("Would remove the tag “%(name)s”.") % {"name": tag.name}


def subscribe_list(customer, params, *, idempotency_key: str, context) -> str:
    newsletter_list = _list(params)
    try:
        joined = newsletter_list_subscribe(
            newsletter_list=newsletter_list,
            customer_ids=[customer.pk],
            source=Subscription.Source.AUTOMATION,
        )
    except ValidationError as error:  # an archived list
        raise AutomationActionRefused(" ".join(error.messages)) from error
    if joined:
        return _("Subscribed to “%(name)s”.") % {"name": newsletter_list.name}
    return _("Already subscribed to “%(name)s”.") % {"name": newsletter_list.name}


def subscribe_list_describe(customer, params, context) -> str:
    newsletter_list = _list(params)
    if _in_list(customer.pk, newsletter_list.pk):
        return _("Already subscribed to “%(name)s”: nothing would change.") % {
            "name": newsletter_list.name
        }
    if newsletter_list.archived:
        return _("Would be refused: the list “%(name)s” is archived.") % {
            "name": newsletter_list.name
        }
    return _("Would subscribe to “%(name)s”.") % {"name": newsletter_list.name}


def unsubscribe_list(customer, params, *, idempotency_key: str, context) -> str:
    newsletter_list = _list(params)
    if newsletter_list_unsubscribe(
        newsletter_list=newsletter_list,
        customer_ids=[customer.pk],
        source=Subscription.Source.AUTOMATION,
    ):
        return _("Unsubscribed from “%(name)s”.") % {"name": newsletter_list.name}
    return _("Was not subscribed to “%(name)s”.") % {"name": newsletter_list.name}


def unsubscribe_list_describe(customer, params, context) -> str:
    newsletter_list = _list(params)
    if not _in_list(customer.pk, newsletter_list.pk):
        return _("Not subscribed to “%(name)s”: nothing would change.") % {
            "name": newsletter_list.name
        }
    return _("Would unsubscribe from “%(name)s”.") % {"name": newsletter_list.name}


def _todo_fields(customer, params: dict[str, Any], context: AutomationContext):
    days = _id(params.get("due_in_days"))
    if days is None or not 0 <= days <= TODO_MAX_DAYS:
        raise AutomationActionRefused(
            _("The days before the to-do is due must be between 0 and %(max)s.")
            % {"max": TODO_MAX_DAYS}
        )
    kind = params.get("kind") or CustomerAction.Kind.CALL
    if kind not in CustomerAction.Kind.values:
        raise AutomationActionRefused(_("Choose one of the action types."))
    today = timezone.localdate(context.now) if context.now else timezone.localdate()
    title = shortcodes_render(str(params.get("title") or ""), customer, context)
    note = shortcodes_render(
        str(params.get("note") or ""), customer, context, escape=True
    )
    return kind, title.strip()[:200], note, today + timedelta(days=days)


def create_todo(customer, params, *, idempotency_key: str, context) -> str:
    """A call (or another action) in the customer's history, due in N days: on
    that day it is in the dashboard's "To do today". Once per idempotency key."""
    kind, title, note, due_date = _todo_fields(customer, params, context)
    try:
        action, created = action_create_once(
            customer_id=customer.pk,
            idempotency_key=idempotency_key,
            title=title,
            kind=kind,
            note=note,
            due_date=due_date,
        )
    except ValidationError as error:  # an empty title
        raise AutomationActionRefused(" ".join(error.messages)) from error
    if not created:
        return _("The to-do “%(title)s” was already created.") % {"title": action.title}
    return _("To-do “%(title)s” due on %(date)s.") % {
        "title": action.title,
        "date": due_date.isoformat(),
    }


def create_todo_describe(customer, params, context) -> str:
    _kind, title, _note, due_date = _todo_fields(customer, params, context)
    return _("Would add the to-do “%(title)s” due on %(date)s.") % {
        "title": title,
        "date": due_date.isoformat(),
    }


# --- Conditions ---


def has_tag(customer, params, context) -> bool:
    return _has_tag(customer.pk, _pk(params.get("tag")))


def in_list(customer, params, context) -> bool:
    return _in_list(customer.pk, _pk(params.get("newsletter_list")))


def language_is(customer, params, context) -> bool:
    return (customer.language or settings.LANGUAGE_CODE) == params.get("language")


def register() -> None:
    """Called from ``CustomersConfig.ready()``."""
    triggers = [
        plugins.AutomationTrigger(
            "customer.created",
            gettext_lazy("Customer created"),
            description=gettext_lazy(
                "A visitor signed up, or staff created the customer (an import "
                "does not count: enrol imported customers from the list)."
            ),
            form_class=CustomerCreatedForm,
            matches=created_matches,
            order=10,
        ),
        plugins.AutomationTrigger(
            "customer.tag_added",
            gettext_lazy("Tag added"),
            description=gettext_lazy(
                "A customer got the tag (any way: card, bulk action, funnel)."
            ),
            form_class=TagTriggerForm,
            matches=tag_matches,
            order=11,
        ),
        plugins.AutomationTrigger(
            "customer.tag_removed",
            gettext_lazy("Tag removed"),
            description=gettext_lazy("The tag was taken off a customer."),
            form_class=TagTriggerForm,
            matches=tag_matches,
            order=12,
        ),
        plugins.AutomationTrigger(
            "customer.list_subscribed",
            gettext_lazy("Subscribed to a list"),
            description=gettext_lazy(
                "A customer joined the newsletter list (by themselves, staff, a bulk "
                "action or a funnel)."
            ),
            form_class=ListTriggerForm,
            matches=list_matches,
            order=13,
        ),
        plugins.AutomationTrigger(
            "customer.list_unsubscribed",
            gettext_lazy("Unsubscribed from a list"),
            description=gettext_lazy("A customer left the newsletter list."),
            form_class=ListTriggerForm,
            matches=list_matches,
            order=14,
        ),
    ]
    for trigger in triggers:
        plugins.automation_triggers.register(trigger)
    actions = [
        plugins.AutomationAction(
            "customers.add_tag",
            gettext_lazy("Add a tag"),
            run=add_tag,
            run_many=add_tag_many,
            form_class=TagForm,
            describe=add_tag_describe,
            order=20,
        ),
        plugins.AutomationAction(
            "customers.remove_tag",
            gettext_lazy("Remove a tag"),
            run=remove_tag,
            form_class=TagForm,
            describe=remove_tag_describe,
            order=21,
        ),
        plugins.AutomationAction(
            "customers.subscribe_list",
            gettext_lazy("Subscribe to a list"),
            run=subscribe_list,
            form_class=SubscribeListForm,
            describe=subscribe_list_describe,
            order=22,
        ),
        plugins.AutomationAction(
            "customers.unsubscribe_list",
            gettext_lazy("Unsubscribe from a list"),
            run=unsubscribe_list,
            form_class=ListForm,
            describe=unsubscribe_list_describe,
            order=23,
        ),
        plugins.AutomationAction(
            "customers.create_todo",
            # A to-do for staff in the customer's history, not a verb.
            pgettext_lazy("automation action", "Create a to-do"),
            run=create_todo,
            form_class=CreateTodoForm,
            describe=create_todo_describe,
            order=24,
        ),
    ]
    for action in actions:
        plugins.automation_actions.register(action)
    conditions = [
        plugins.AutomationCondition(
            "customers.has_tag",
            gettext_lazy("Has tag"),
            test=has_tag,
            form_class=TagForm,
            order=20,
        ),
        plugins.AutomationCondition(
            "customers.in_list",
            gettext_lazy("Subscribed to list"),
            test=in_list,
            form_class=ListForm,
            order=21,
        ),
        plugins.AutomationCondition(
            "customers.language",
            gettext_lazy("Language is"),
            test=language_is,
            form_class=LanguageForm,
            order=22,
        ),
    ]
    for condition in conditions:
        plugins.automation_conditions.register(condition)
    # The marketing e-mails' consent and unsubscribe link (customers.automation
    # .newsletter).
    from customers.automation.newsletter import register as register_newsletter

    register_newsletter()
