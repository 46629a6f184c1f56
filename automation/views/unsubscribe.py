"""The unsubscribe link of funnel e-mails (RFC 8058 one-click: a POST without
a session or a CSRF token, authorised by the signed token in the link)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from automation.actions import unsubscribe_token_read
from customers.models import Customer


@method_decorator(csrf_exempt, name="dispatch")
class UnsubscribeView(View):
    template_name = "automation/unsubscribe.html"

    def _customer(self, token: str) -> Customer:
        customer_id = unsubscribe_token_read(token)
        customer = (
            Customer.objects.filter(pk=customer_id).first() if customer_id else None
        )
        if customer is None:
            raise Http404
        return customer

    def get(self, request, token: str):
        customer = self._customer(token)
        return render(
            request,
            self.template_name,
            {
                "done": False,
                "token": token,
                "subscribed": customer.newsletter_subscribed,
            },
        )

    def post(self, request, token: str):
        customer = self._customer(token)
        # The consent flag only: the customers app keeps its own history of it.
        Customer.objects.filter(pk=customer.pk).update(newsletter_subscribed=False)
        return render(request, self.template_name, {"done": True, "token": token})
