"""An action's, condition's or trigger's ``form_class`` as fields of the editor.

The registered form checks the parameters as the funnel document stores them
(``definition_check`` uses it too). A text per language (``TextsField``) is shown
as one field per language of the site and gathered back into
``{"en": ..., "it": ...}``; every other field is shown as the form declares it.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from django import forms
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

from automation.actions import TextsField

PREFIX = "p"


def _language_field_name(name: str, code: str) -> str:
    return f"{name}__{code.replace('-', '_')}"


def _language_codes() -> list[str]:
    codes = [code for code, _name in settings.LANGUAGES]
    codes.sort(key=lambda code: code != settings.LANGUAGE_CODE)
    return codes


class ParamsForm(forms.Form):
    """Shows and reads the parameters of ``form_class`` (``None``: it has none)."""

    def __init__(self, form_class: Any, *args, params: dict | None = None, **kwargs):
        kwargs.setdefault("prefix", PREFIX)
        super().__init__(*args, **kwargs)
        self.form_class = form_class
        self.params: dict[str, Any] = {}
        self.texts: dict[str, list[str]] = {}
        params = params or {}
        if form_class is None:
            return
        languages = dict(settings.LANGUAGES)
        for name, field in form_class().fields.items():
            if isinstance(field, TextsField):
                stored = params.get(name, {})
                if isinstance(stored, str):
                    stored = {settings.LANGUAGE_CODE: stored}
                self.texts[name] = []
                for code in _language_codes():
                    field_name = _language_field_name(name, code)
                    self.fields[field_name] = forms.CharField(
                        label=f"{field.label} ({languages[code]})",
                        required=False,
                        widget=forms.Textarea(attrs={"rows": 4})
                        if name == "body"
                        else forms.TextInput,
                        initial=stored.get(code, ""),
                    )
                    self.texts[name].append(field_name)
            else:
                field = copy.deepcopy(field)
                if name in params:
                    field.initial = params[name]
                self.fields[name] = field

    def _data_for_form_class(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for name, field in self.form_class().fields.items() if self.form_class else []:
            if name in self.texts:
                texts = {}
                for field_name in self.texts[name]:
                    text = (self.cleaned_data.get(field_name) or "").strip()
                    if text:
                        texts[field_name.split("__", 1)[1].replace("_", "-")] = text
                data[name] = texts
            else:
                key = self.add_prefix(name)
                widget = field.widget
                value = widget.value_from_datadict(self.data, self.files, key)
                if value is not None:
                    data[name] = value
        return data

    def clean(self):
        cleaned = super().clean()
        if self.form_class is None or self.errors:
            return cleaned
        raw = self._data_for_form_class()
        inner = self.form_class(data=raw)
        if inner.is_valid():
            self.params = _json_safe(inner.cleaned_data, raw)
            return cleaned
        for name, errors in inner.errors.items():
            if name in self.texts:
                target: str | None = self.texts[name][0]
            elif name in self.fields:
                target = name
            else:
                target = None
            for error in errors:
                self.add_error(target, error)
        return cleaned

    def language_names(self) -> set[str]:
        return {name for names in self.texts.values() for name in names}


def _json_safe(cleaned: dict[str, Any], raw: dict[str, Any]) -> dict[str, Any]:
    """The cleaned parameters as JSON (the registered forms give JSON-safe
    values; a value that is not, e.g. a model instance, is stored as posted).
    An empty optional value is left out, as the JSON files leave it out."""
    params = {}
    for name, value in cleaned.items():
        if value is None or value == "":
            continue
        try:
            params[name] = json.loads(json.dumps(value, cls=DjangoJSONEncoder))
        except TypeError:
            params[name] = raw.get(name)
    return params
