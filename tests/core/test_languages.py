"""core.languages and core.forms.TranslatedTextField: texts written per language."""

from __future__ import annotations

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation

from balance.forms.staff import BalanceSettingsForm
from balance.models import BalanceSettings
from core.forms import TranslatedTextField, TranslatedTextsFormMixin
from core.languages import (
    LanguageTextsValidator,
    fallback_languages,
    language_codes,
    text_for_language,
)

TEXTS = {"en": "Hello", "it": "Ciao", "es": "  "}


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("it", "Ciao"),
        ("es", "Hello"),  # blank: the default language's
        ("pt-br", "Hello"),
        ("xx", "Hello"),  # a language we do not speak
        (None, "Ciao"),  # the active one
    ],
)
def test_text_for_language_falls_back_to_the_default(language, expected):
    with translation.override("it"):
        assert text_for_language(TEXTS, language) == expected


def test_text_for_language_tries_the_sites_language_before_english(settings):
    settings.LANGUAGE_CODE = "it"

    assert fallback_languages("pt") == ["pt", "it", "en"]
    assert language_codes()[0] == "it"
    assert text_for_language({"en": "Hello", "it": "Ciao"}, "pt") == "Ciao"
    assert text_for_language({}, "pt") == ""
    assert text_for_language("One for all", "pt") == "One for all"


@pytest.mark.parametrize(
    "value",
    [{"xx": "?"}, ["a"], "text", {"en": 3}, {"en": "x" * 11}],
)
def test_language_texts_validator_refuses_bad_shapes_and_long_texts(value):
    with pytest.raises(ValidationError):
        LanguageTextsValidator(max_length=10)(value)


def test_language_texts_validator_names_the_long_ones():
    with pytest.raises(ValidationError) as error:
        LanguageTextsValidator(max_length=3)({"en": "ok", "pt": "long", "it": "long"})

    assert error.value.messages == [
        "Keep each text within 3 characters (too long: it, pt)."
    ]
    LanguageTextsValidator(max_length=3)({"en": "ok", "it": ""})


class GreetingForm(TranslatedTextsFormMixin, forms.Form):
    greeting = TranslatedTextField(label="Greeting", max_length=5, required=True)
    sign_off = forms.CharField(required=False)


def test_translated_text_field_is_one_field_per_language_gathered_back():
    form = GreetingForm(
        data={"greeting_en": "Hi", "greeting_it": "Ciao", "greeting_pt": " "},
        initial={"greeting": {"en": "Old"}},
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data["greeting"] == {"en": "Hi", "it": "Ciao"}
    assert [field.name for field in form.general_fields()] == ["sign_off"]
    assert list(form.fields) == [
        "greeting_en",
        "greeting_es",
        "greeting_it",
        "greeting_pt",
        "sign_off",
    ]


def test_translated_text_field_needs_only_the_default_language_and_bounds_each():
    missing = GreetingForm(data={"greeting_it": "Ciao"})
    too_long = GreetingForm(data={"greeting_en": "Hi", "greeting_es": "Buenos"})

    assert not missing.is_valid()
    assert list(missing.errors) == ["greeting_en"]
    assert not too_long.is_valid()
    assert list(too_long.errors) == ["greeting_es"]
    groups = too_long.language_groups()
    assert [group["code"] for group in groups] == ["en", "es", "it", "pt"]
    assert [group["selected"] for group in groups] == [False, True, False, False]
    assert [group["invalid"] for group in groups] == [False, True, False, False]


def test_translated_text_field_initial_texts_fill_each_language():
    form = GreetingForm(initial={"greeting": {"en": "Hi", "pt": "Olá"}})

    assert form["greeting_pt"].value() == "Olá"
    assert form["greeting_it"].value() == ""
    groups = form.language_groups()
    assert [group["filled"] for group in groups] == [True, False, False, True]
    assert groups[0]["selected"]


@pytest.mark.parametrize("key", ["greeting_xx", "greeting_pt_br", "greeting_"])
def test_translated_text_field_refuses_a_language_the_site_does_not_have(key):
    form = GreetingForm(data={"greeting_en": "Hi", key: "?"})

    assert not form.is_valid()
    assert "is not one of this site's languages" in form.non_field_errors()[0]
    assert "greeting" not in form.cleaned_data


@pytest.mark.django_db
def test_balance_settings_sections_hold_every_option_and_text_once():
    form = BalanceSettingsForm(instance=BalanceSettings.load())

    sections = form.sections()
    options = [field.name for section in sections for field in section["fields"]]
    texts = [
        field.name
        for section in sections
        for group in section["language_groups"]
        for field in group["fields"]
    ]
    assert [section["id"] for section in sections] == [
        "customer-area",
        "checkout-discount",
    ]
    assert sorted(options) == sorted(BalanceSettingsForm.Meta.fields)
    assert sorted(texts) == sorted(
        f"{name}_{code}"
        for name in BalanceSettings.LOCALIZED_FIELDS
        for code in language_codes()
    )
