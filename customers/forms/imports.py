"""Forms of the CSV import wizard: upload, mapping, confirmation."""

from __future__ import annotations

from pathlib import PurePath

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from customers import importing
from customers.models import ImportJob

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
ALLOWED_SUFFIXES = (".csv", ".txt")


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv"}),
    )
    encoding = forms.ChoiceField(
        label=_("Encoding"),
        required=False,
        choices=[
            ("", _("Detect")),
            ("utf-8", "UTF-8"),
            ("cp1252", "Windows-1252"),
            ("latin-1", "Latin-1 (ISO-8859-1)"),
        ],
    )
    delimiter = forms.ChoiceField(
        label=_("Delimiter"),
        required=False,
        choices=[("", _("Detect"))]
        + [(d, importing.DELIMITER_NAMES[d]) for d in importing.DELIMITERS],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "A .csv or .txt file of at most %(size)s whose first row names the "
            "columns. Comma, semicolon, tab or | separated; UTF-8 or Windows-1252."
        ) % {"size": filesizeformat(MAX_UPLOAD_BYTES)}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if PurePath(upload.name).suffix.lower() not in ALLOWED_SUFFIXES:
            raise forms.ValidationError(
                _("Upload a .csv or .txt file (save a spreadsheet as CSV first).")
            )
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s; the limit is %(limit)s.")
                % {
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(MAX_UPLOAD_BYTES),
                }
            )
        return upload


FIELD_CHOICES = [("", _("— Do not import —"))] + [
    (import_field.name, import_field.label) for import_field in importing.FIELDS
]


class ImportMappingForm(forms.Form):
    """One choice per column of the file (which customer field it fills)."""

    date_format = forms.ChoiceField(
        label=_("Dates are written"),
        choices=list(importing.DATE_FORMATS.items()),
        help_text=_("Dates written yyyy-mm-dd are always understood."),
    )

    def __init__(self, *args, job: ImportJob, samples: list[list[str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.job = job
        self.fields["date_format"].initial = job.date_format or importing.DATE_DMY
        self.columns = []
        for index, header in enumerate(job.headers):
            name = f"column_{index}"
            self.fields[name] = forms.ChoiceField(
                label=header,
                choices=FIELD_CHOICES,
                required=False,
                initial=job.mapping.get(str(index), ""),
            )
            self.columns.append(
                {
                    "index": index,
                    "header": header,
                    "samples": samples[index] if index < len(samples) else [],
                    "name": name,
                }
            )

    def column_fields(self):
        """(column, bound field) pairs, for the mapping table."""
        return [(column, self[column["name"]]) for column in self.columns]

    def clean(self):
        cleaned = super().clean()
        mapping = self.mapping()
        by_column, general = importing.mapping_problems(mapping, self.job.headers)
        for index, message in by_column.items():
            self.add_error(f"column_{index}", message)
        for message in general:
            self.add_error(None, message)
        return cleaned

    def mapping(self) -> dict[str, str]:
        return {
            str(column["index"]): self.cleaned_data.get(column["name"], "")
            for column in self.columns
            if self.cleaned_data.get(column["name"])
        }


class ImportStartForm(forms.Form):
    update_existing = forms.TypedChoiceField(
        label=_("Customers already in Clientela (same e-mail)"),
        choices=[
            ("0", _("Skip them: leave their data as it is")),
            ("1", _("Update them with the file's values (empty cells change nothing)")),
        ],
        coerce=lambda value: value == "1",
        initial="0",
        widget=forms.RadioSelect,
    )
