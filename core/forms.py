from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import validate_email
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from core.languages import language_codes, texts_as_dict

if TYPE_CHECKING:
    _FormBase = forms.BaseForm
else:
    _FormBase = object


class EmailAuthenticationForm(AuthenticationForm):
    """Log in with e-mail and password."""

    username = forms.EmailField(
        label=_("E-mail"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "The e-mail or the password is not right. Please try again."
        ),
    }


class StaffAuthenticationForm(EmailAuthenticationForm):
    """The backoffice login. A customer's account, even with its right password, gets
    the answer of a wrong password and counts as a failed login: the page never tells
    which e-mails have an account."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not user.is_staff:
            user_login_failed.send(
                sender=__name__,
                credentials={"username": self.cleaned_data.get("username")},
                request=self.request,
            )
            raise self.get_invalid_login_error()


def form_errors_add(form: forms.Form, error: ValidationError) -> None:
    """A service's rule break, shown on the form next to the field it concerns
    (on the form as a whole when the field is not one of the form's)."""
    if hasattr(error, "error_dict"):
        for field, field_errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(None, error.messages)


def email_lines_clean(text: str) -> str:
    """A list of e-mail addresses typed one per line (e.g. staff to notify).

    Blank lines and surrounding spaces are dropped; any line that is not an address
    is named in the error.
    """
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    bad = []
    for line in lines:
        try:
            validate_email(line)
        except ValidationError:
            bad.append(line)
    if bad:
        raise ValidationError(
            _("Not valid e-mail addresses: %(addresses)s. Put one per line.")
            % {"addresses": ", ".join(bad)},
            code="invalid_email",
        )
    return "\n".join(lines)


class TranslatedTextField(forms.Field):
    """A text written once per language, declared on a ``TranslatedTextsFormMixin``
    form like any field.

    The form shows it as one text field per language ("intro_en", "intro_it"...,
    see ``translated_field_name``), each bounded by ``max_length``; its
    ``cleaned_data`` is the ``{"en": ..., "it": ...}`` of the texts that are not
    blank. ``required`` asks for the text of the site's default language only.
    """

    def __init__(
        self,
        *,
        label=None,
        help_text="",
        max_length: int | None = None,
        widget=None,
        required: bool = False,
    ):
        super().__init__(
            label=label,
            help_text=help_text,
            required=False,
            widget=widget or forms.TextInput,
        )
        self.max_length = max_length
        self.required_in_default_language = required


def translated_field_name(name: str, code: str) -> str:
    """The form field of ``name`` in language ``code``: "intro_pt", "intro_pt_br"."""
    return f"{name}_{code.replace('-', '_')}"


class TranslatedTextsFormMixin(_FormBase):
    """Expands the form's ``TranslatedTextField`` into one field per language and
    gathers them back in ``clean``.

    The initial texts come from ``instance.localized_texts(name)`` (a model with
    ``core.languages.LocalizedTextsMixin``), else from ``initial[name]``. Templates
    show them with ``language_groups`` and ``includes/language_tabs.html``. A posted
    "<name>_<code>" for a language the site does not have is refused as a whole:
    the form is invalid and nothing is saved.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.translated_names: list[str] = []
        expanded = {}
        for name, field in self.fields.items():
            if not isinstance(field, TranslatedTextField):
                expanded[name] = field
                continue
            self.translated_names.append(name)
            stored = self.translated_initial(name)
            label = field.label or self._model_field_label(name)
            help_text = field.help_text or self._model_field_help_text(name)
            for code in language_codes():
                expanded[translated_field_name(name, code)] = forms.CharField(
                    label=label,
                    help_text=help_text,
                    required=field.required_in_default_language
                    and code == settings.LANGUAGE_CODE,
                    max_length=field.max_length,
                    widget=copy.deepcopy(field.widget),
                    initial=stored.get(code, ""),
                )
        self.fields = expanded

    def translated_initial(self, name: str) -> dict[str, str]:
        instance = getattr(self, "instance", None)
        if instance is not None and hasattr(instance, "localized_texts"):
            return instance.localized_texts(name)
        return texts_as_dict(self.initial.get(name))

    def _model_field(self, name: str):
        instance = getattr(self, "instance", None)
        if instance is None:
            return None
        try:
            return instance._meta.get_field(name)
        except FieldDoesNotExist:
            return None

    def _model_field_label(self, name: str):
        model_field = self._model_field(name)
        if model_field is None:
            return capfirst(name.replace("_", " "))
        return capfirst(model_field.verbose_name)

    def _model_field_help_text(self, name: str):
        model_field = self._model_field(name)
        return model_field.help_text if model_field is not None else ""

    def translated_field_names(self) -> set[str]:
        return {
            translated_field_name(name, code)
            for name in self.translated_names
            for code in language_codes()
        }

    def general_fields(self) -> list:
        """The visible fields that are the same in every language, in form order."""
        per_language = self.translated_field_names()
        return [
            field for field in self.visible_fields() if field.name not in per_language
        ]

    def language_groups(self, names: list[str] | None = None) -> list[dict]:
        """Per language, the site's first: its ``code``, ``name``, the text
        ``fields`` of ``names`` (by default every translated text), whether it is
        ``filled`` or ``invalid``, whether to show it ``open`` (the default
        language, or one with a text or an error) and which one is ``selected``
        first (the first with an error, else the default language)."""
        names = names or self.translated_names
        language_names = dict(settings.LANGUAGES)
        groups = []
        for code in language_codes():
            fields = [self[translated_field_name(name, code)] for name in names]
            filled = any((field.value() or "").strip() for field in fields)
            invalid = any(field.errors for field in fields)
            groups.append(
                {
                    "code": code,
                    "name": language_names[code],
                    "fields": fields,
                    "filled": filled,
                    "invalid": invalid,
                    "open": code == settings.LANGUAGE_CODE or filled or invalid,
                    "selected": False,
                }
            )
        selected = next((group for group in groups if group["invalid"]), groups[0])
        selected["selected"] = True
        return groups

    def clean(self):
        data = super().clean()
        self._unknown_languages_refuse()
        for name in self.translated_names:
            texts = {}
            for code in language_codes():
                text = data.pop(translated_field_name(name, code), "") or ""
                if text.strip():
                    texts[code] = text
            data[name] = texts
        return data

    def _unknown_languages_refuse(self) -> None:
        known = {self.add_prefix(name) for name in self.fields}
        for key in self.data:
            for name in self.translated_names:
                prefix = f"{self.add_prefix(name)}_"
                if key.startswith(prefix) and key not in known:
                    raise ValidationError(
                        _(
                            "“%(code)s” is not one of this site's languages "
                            "(%(codes)s): nothing was saved."
                        ),
                        code="unknown_language",
                        params={
                            "code": key[len(prefix) :][:20],
                            "codes": ", ".join(language_codes()),
                        },
                    )
