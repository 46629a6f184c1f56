"""Settings → Webhooks: the subscriptions, a form to add one (its secret shown
once), and per subscription its events, the delivery log and the buttons
(disable/enable, resend, send a test event). Each view wires one form or button
to one service."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from core.forms import form_errors_add
from core.mixins import StaffRequiredMixin
from webhooks.forms import SubscriptionForm
from webhooks.models import Attempt, Delivery, Subscription
from webhooks.services import (
    delivery_resend,
    subscription_create,
    subscription_disable,
    subscription_enable,
    subscription_secret_rotate,
    subscription_update,
    test_event_send,
)

DELIVERIES_SHOWN = 50


class SubscriptionListView(StaffRequiredMixin, TemplateView):
    template_name = "webhooks/staff/subscription_list.html"
    permission_required = "webhooks.view_subscription"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "form": kwargs.get("form") or SubscriptionForm(),
            "subscriptions": Subscription.objects.select_related("created_by"),
            "may_add": self.request.user.has_perm("webhooks.add_subscription"),
            "title": _("Webhooks"),
        }

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("webhooks.add_subscription"):
            return self.handle_no_permission()
        form = SubscriptionForm(request.POST)
        if form.is_valid():
            try:
                created = subscription_create(
                    url=form.cleaned_data["url"],
                    events=form.cleaned_data["events"],
                    description=form.cleaned_data["description"],
                    created_by=request.user,
                )
            except ValidationError as error:
                form_errors_add(form, error)
            else:
                # Rendered, not redirected: the secret is shown on this page once.
                response = self.render_to_response(
                    self.get_context_data(created=created)
                )
                response["Cache-Control"] = "no-store"
                return response
        return self.render_to_response(self.get_context_data(form=form), status=400)


class SubscriptionDetailView(StaffRequiredMixin, TemplateView):
    template_name = "webhooks/staff/subscription_detail.html"
    permission_required = "webhooks.view_subscription"

    def get_context_data(self, **kwargs):
        subscription = get_object_or_404(Subscription, pk=self.kwargs["pk"])
        form = kwargs.get("form") or SubscriptionForm(
            initial={
                "url": subscription.url,
                "description": subscription.description,
                "events": subscription.events,
            }
        )
        deliveries = subscription.deliveries.prefetch_related(
            Prefetch("attempt_log", queryset=Attempt.objects.order_by("at", "pk"))
        )[:DELIVERIES_SHOWN]
        return {
            **super().get_context_data(**kwargs),
            "subscription": subscription,
            "form": form,
            "deliveries": deliveries,
            "may_change": self.request.user.has_perm("webhooks.change_subscription"),
            "now_moment": timezone.now(),
            "title": subscription.description or subscription.url,
        }

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("webhooks.change_subscription"):
            return self.handle_no_permission()
        subscription = get_object_or_404(Subscription, pk=kwargs["pk"])
        form = SubscriptionForm(request.POST)
        if form.is_valid():
            try:
                subscription_update(
                    subscription_id=subscription.pk,
                    url=form.cleaned_data["url"],
                    events=form.cleaned_data["events"],
                    description=form.cleaned_data["description"],
                )
            except ValidationError as error:
                form_errors_add(form, error)
            else:
                messages.success(request, _("The webhook was saved."))
                return redirect("webhooks:staff_detail", pk=subscription.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class _ActionView(StaffRequiredMixin, TemplateView):
    http_method_names = ["post"]
    permission_required = "webhooks.change_subscription"


class SubscriptionToggleView(_ActionView):
    def post(self, request, *args, **kwargs):
        subscription = get_object_or_404(Subscription, pk=kwargs["pk"])
        if subscription.active:
            subscription_disable(subscription_id=subscription.pk, user=request.user)
            messages.success(
                request, _("The webhook was disabled: no events are sent to it.")
            )
        else:
            subscription_enable(subscription_id=subscription.pk)
            messages.success(request, _("The webhook was enabled."))
        return redirect("webhooks:staff_detail", pk=subscription.pk)


class SubscriptionRotateView(_ActionView):
    """A new secret, rendered (not redirected): it is shown on this page once."""

    template_name = SubscriptionDetailView.template_name

    def post(self, request, *args, **kwargs):
        subscription = get_object_or_404(Subscription, pk=kwargs["pk"])
        rotated = subscription_secret_rotate(subscription_id=subscription.pk)
        detail = SubscriptionDetailView(request=request, kwargs=kwargs)
        response = self.render_to_response(detail.get_context_data(rotated=rotated))
        response["Cache-Control"] = "no-store"
        return response


class SubscriptionTestView(_ActionView):
    def post(self, request, *args, **kwargs):
        subscription = get_object_or_404(Subscription, pk=kwargs["pk"])
        try:
            test_event_send(subscription_id=subscription.pk, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("A test event is on its way: see the delivery log.")
            )
        return redirect("webhooks:staff_detail", pk=subscription.pk)


class DeliveryResendView(_ActionView):
    def post(self, request, *args, **kwargs):
        delivery = get_object_or_404(Delivery, pk=kwargs["pk"])
        try:
            delivery_resend(delivery_id=delivery.pk)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("The event %(id)s will be sent again.") % {"id": delivery.event_id},
            )
        return redirect("webhooks:staff_detail", pk=delivery.subscription_id)
