"""The referral link ``/r/<code>/``: remembers the code in a cookie, then sends
the visitor to the sign-up (or the shop)."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views import View

from referrals.selectors import rules_current
from referrals.services import code_find, referral_attach, visit_record

COOKIE_NAME = "clientela_referral"
COOKIE_SALT = "referrals.link"


def cookie_code(request: HttpRequest) -> str:
    """The code the visitor's cookie holds, if its signature and age are good."""
    max_age = rules_current().cookie_days * 86400
    value = request.get_signed_cookie(
        COOKIE_NAME, default="", salt=COOKIE_SALT, max_age=max_age
    )
    return value if isinstance(value, str) else ""


class ReferralLinkView(View):
    """An unknown or malformed code is a 404 like any page and sets nothing.

    The first link a visitor followed is kept (the first referrer wins) unless
    its owner may no longer refer; a customer following their own link is not
    given a cookie.
    """

    def get(self, request, code: str) -> HttpResponse:
        found = code_find(code)
        if found is None:
            raise Http404
        visit_record(code=found)
        user = request.user
        if user.is_authenticated:
            target = "selling:account_shop"
        elif settings.CLIENTELA_SIGNUP_ENABLED:
            target = "account:signup"
        else:
            target = "account:login"
        response = redirect(target)
        own = getattr(user, "customer", None) == found.customer
        held = cookie_code(request)
        # The first referrer wins, while their link still attributes someone: a
        # code whose owner may no longer refer gives way to this one.
        if not own and (not held or code_find(held) is None):
            response.set_signed_cookie(
                COOKIE_NAME,
                found.code,
                salt=COOKIE_SALT,
                max_age=rules_current().cookie_days * 86400,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response


def attribute(request: HttpRequest, customer, moment: str) -> None:
    """``core.plugins.visitor_attributions``: the cookie's referrer, if the rules
    allow (a refusal changes nothing and is not the visitor's business)."""
    from django.core.exceptions import ValidationError

    code = cookie_code(request)
    if not code:
        return
    try:
        referral_attach(referred=customer, code=code, moment=moment)
    except ValidationError:
        return
