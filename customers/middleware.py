from django.conf import settings
from django.utils import translation


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
        if remember:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                remember,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                samesite="Lax",
            )
        return response
