"""The unsubscribe link of funnel e-mails (RFC 8058 one-click: a POST without
a session or a CSRF token, authorised by the signed token in the link).

The token names the customer and, for an e-mail sent to a list's subscribers, the
list; the change itself is the customers hub's (``core.plugins.newsletter_consents``):
recorded on the customer's timeline as their own, and a second POST changes nothing.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from automation.actions import newsletter_consent, unsubscribe_token_read
from core import plugins
from customers.models import Customer


@method_decorator(csrf_exempt, name="dispatch")
class UnsubscribeView(View):
    template_name = "automation/unsubscribe.html"

    def _read(
        self, token: str
    ) -> tuple[Customer, int | None, plugins.NewsletterConsent]:
        found = unsubscribe_token_read(token)
        consent = newsletter_consent()
        customer = (
            Customer.objects.filter(pk=found[0]).first() if found is not None else None
        )
        if found is None or customer is None or consent is None:
            raise Http404
        return customer, found[1], consent

    def _context(self, token, list_id, consent, **extra) -> dict:
        return {
            "token": token,
            "list_name": consent.list_name(list_id) if list_id is not None else "",
            **extra,
        }

    def get(self, request, token: str):
        customer, list_id, consent = self._read(token)
        return render(
            request,
            self.template_name,
            self._context(
                token,
                list_id,
                consent,
                done=False,
                subscribed=consent.consents(customer, list_id),
            ),
        )

    def post(self, request, token: str):
        customer, list_id, consent = self._read(token)
        consent.unsubscribe(customer, list_id)
        return render(
            request,
            self.template_name,
            self._context(token, list_id, consent, done=True),
        )
