"""Texts written once per language, and how a reader gets theirs.

A text that staff write for customers (the balance's messages, a product's name,
the bank-transfer instructions) is stored as ``{"en": "...", "it": "..."}``: one
text per language code of ``LANGUAGES``. A reader gets the text of their language
(``text_for_language``); when it is blank or missing, the site's default language
(``LANGUAGE_CODE``), then English. The forms that edit such texts are in
``core.forms`` (``TranslatedTextField``), the tabs that show them in
``templates/includes/language_tabs.html``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

Texts = Mapping[str, str]


def language_codes() -> list[str]:
    """The codes of ``LANGUAGES``, the site's default language first."""
    codes = [code for code, _name in settings.LANGUAGES]
    return sorted(codes, key=lambda code: code != settings.LANGUAGE_CODE)


def fallback_languages(language: str | None) -> list[str]:
    """``language`` (or its supported variant: "pt-br" → "pt"), the site's default
    language, then English."""
    wanted = []
    if language:
        with contextlib.suppress(LookupError):  # a language we do not speak
            wanted.append(translation.get_supported_language_variant(language))
    return list(dict.fromkeys([*wanted, settings.LANGUAGE_CODE, "en"]))


def texts_as_dict(texts: Texts | str | None) -> dict[str, str]:
    """``texts`` as stored; a plain string (set in code) is the default language's."""
    if isinstance(texts, str):
        return {settings.LANGUAGE_CODE: texts} if texts else {}
    return dict(texts or {})


def text_for_language(texts: Texts | str | None, language: str | None = None) -> str:
    """The text for a reader of ``language`` (by default the active language: the
    customer's, in a request or inside ``translation.override``).

    A blank text counts as missing: then the site's default language, then
    English; ``""`` when all are blank.
    """
    found = texts_as_dict(texts)
    for code in fallback_languages(language or translation.get_language()):
        text = found.get(code) or ""
        if text.strip():
            return text
    return ""


@deconstructible
class LanguageTextsValidator:
    """A text per language: a dict keyed by codes of ``LANGUAGES``, each a string of
    at most ``max_length`` characters (when given)."""

    def __init__(self, max_length: int | None = None):
        self.max_length = max_length

    def __call__(self, value) -> None:
        codes = {code for code, _name in settings.LANGUAGES}
        if not isinstance(value, dict) or not all(
            code in codes and isinstance(text, str) for code, text in value.items()
        ):
            raise ValidationError(
                _("Give one text per language (%(codes)s)."),
                code="invalid_localized_texts",
                params={"codes": ", ".join(sorted(codes))},
            )
        if self.max_length is None:
            return
        too_long = sorted(
            code for code, text in value.items() if len(text) > self.max_length
        )
        if too_long:
            raise ValidationError(
                ngettext_lazy(
                    "Keep each text within %(limit)d character (too long: %(codes)s).",
                    "Keep each text within %(limit)d characters (too long: %(codes)s).",
                    "limit",
                ),
                code="localized_text_too_long",
                params={"limit": self.max_length, "codes": ", ".join(too_long)},
            )

    def __eq__(self, other):
        return (
            isinstance(other, LanguageTextsValidator)
            and self.max_length == other.max_length
        )


validate_language_texts = LanguageTextsValidator()


class LocalizedTextsMixin:
    """For a model whose ``LOCALIZED_FIELDS`` are JSON fields of texts per language.

    Read them with ``localized(field_name)``, never the field itself.
    """

    LOCALIZED_FIELDS: tuple[str, ...] = ()

    def localized_texts(self, field_name: str) -> dict[str, str]:
        """The texts of ``field_name`` by language code, as stored."""
        if field_name not in self.LOCALIZED_FIELDS:
            raise ValueError(
                f"{field_name!r} is not a text per language of {type(self).__name__}."
            )
        return texts_as_dict(getattr(self, field_name))

    def localized(self, field_name: str, language: str | None = None) -> str:
        """The text ``field_name`` for a reader of ``language`` (by default the
        active one), falling back as ``text_for_language`` does."""
        return text_for_language(self.localized_texts(field_name), language)
