"""The cookies Clientela sets itself, with the attributes the settings ask for."""

from typing import Literal, cast

from django.conf import settings
from django.http import HttpResponseBase

# What set_cookie accepts; the setting is typed as any string.
SameSite = Literal["Lax", "Strict", "None"] | None


def language_cookie_set(response: HttpResponseBase, language: str) -> None:
    """Remembers ``language`` in Django's language cookie.

    Secure when the session cookie is (LANGUAGE_COOKIE_SECURE), HttpOnly and
    SameSite as the settings say: the same cookie Django's own view would set.
    """
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=cast(SameSite, settings.LANGUAGE_COOKIE_SAMESITE),
    )
