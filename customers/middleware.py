import json
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.utils import translation

from core.cookies import language_cookie_set


def preferred_language(user) -> str:
    customer = getattr(user, "customer", None)
    return customer.language if customer is not None else user.language


class PreferredLanguageMiddleware:
    """Speaks the logged-in person's preferred language unless they chose another.

    An explicit choice (the language cookie set by the switcher) wins; otherwise the
    customer's preferred language, or the staff member's, is used and remembered in
    the cookie so later requests need no lookup.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        remember = None
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
        ):
            language = preferred_language(user)
            if language and translation.check_for_language(language):
                translation.activate(language)
                request.LANGUAGE_CODE = translation.get_language()
                remember = language
        response = self.get_response(request)
        # A language the view has just set (the switcher's) wins over the old one.
        if remember and settings.LANGUAGE_COOKIE_NAME not in response.cookies:
            language_cookie_set(response, remember)
        return response


FIRST_VISIT_COOKIE = "clientela_origin"
FIRST_VISIT_SALT = "customers.first-visit"
FIRST_VISIT_MAX_AGE = 180 * 24 * 3600
UTM_PARAMETERS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")


class FirstVisitMiddleware:
    """Remembers where an anonymous visitor first came from, for the sign-up.

    On the first visit only (no cookie yet), the UTM parameters and an external
    referrer go into a signed cookie (no session row for every passing visitor);
    later visits leave it as it is. Sign-up copies it to the customer's origin.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (
            request.method == "GET"
            and FIRST_VISIT_COOKIE not in request.COOKIES
            and not (user is not None and user.is_authenticated)
            and response.status_code < 400
        ):
            response.set_signed_cookie(
                FIRST_VISIT_COOKIE,
                json.dumps(self.origin(request), separators=(",", ":")),
                salt=FIRST_VISIT_SALT,
                max_age=FIRST_VISIT_MAX_AGE,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

    @staticmethod
    def origin(request) -> dict[str, str]:
        origin = {
            name: request.GET[name][:200]
            for name in UTM_PARAMETERS
            if request.GET.get(name, "").strip()
        }
        referrer = request.headers.get("referer", "")
        if referrer and len(referrer) <= 500:
            host = urlsplit(referrer).netloc
            try:
                own_host = request.get_host()
            except DisallowedHost:
                own_host = ""
            if host and host != own_host:
                origin["referrer"] = referrer
        return origin
