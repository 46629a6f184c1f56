"""Product names and descriptions, and the bank-transfer instructions, per language.

A product keeps ``name`` and ``description`` as the default language's texts and
gains ``*_translations`` for the others; an order line keeps the names it was sold
with. The instructions become ``{"<LANGUAGE_CODE>": text}``: the text staff wrote
is kept as the default language's.
"""

import core.languages
from django.conf import settings
from django.db import migrations, models

HELP = (
    "Shown after checkout and in the order e-mail: account holder, IBAN, what to "
    "write as the reference. {order} is replaced by the order number."
)


def instructions_to_languages(apps, schema_editor):
    SellingSettings = apps.get_model("selling", "SellingSettings")
    for row in SellingSettings.objects.all():
        text = row.bank_transfer_instructions or ""
        row.instructions_per_language = (
            {settings.LANGUAGE_CODE: text} if text.strip() else {}
        )
        row.save(update_fields=["instructions_per_language"])


def instructions_to_one_text(apps, schema_editor):
    SellingSettings = apps.get_model("selling", "SellingSettings")
    for row in SellingSettings.objects.all():
        texts = row.instructions_per_language or {}
        row.bank_transfer_instructions = texts.get(settings.LANGUAGE_CODE) or next(
            iter(texts.values()), ""
        )
        row.save(update_fields=["bank_transfer_instructions"])


class Migration(migrations.Migration):
    dependencies = [("selling", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="product",
            name="name_translations",
            field=models.JSONField(
                blank=True,
                default=dict,
                validators=[core.languages.LanguageTextsValidator(max_length=200)],
                verbose_name="name in other languages",
            ),
        ),
        migrations.AddField(
            model_name="product",
            name="description_translations",
            field=models.JSONField(
                blank=True,
                default=dict,
                validators=[core.languages.LanguageTextsValidator(max_length=5000)],
                verbose_name="description in other languages",
            ),
        ),
        migrations.AddField(
            model_name="orderline",
            name="product_name_translations",
            field=models.JSONField(
                blank=True, default=dict, verbose_name="product in other languages"
            ),
        ),
        # A text column cannot be cast to JSON in place (PostgreSQL refuses "abc"):
        # a new column, the texts copied, the old one dropped, the new one renamed.
        migrations.AddField(
            model_name="sellingsettings",
            name="instructions_per_language",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(instructions_to_languages, instructions_to_one_text),
        migrations.RemoveField(
            model_name="sellingsettings", name="bank_transfer_instructions"
        ),
        migrations.RenameField(
            model_name="sellingsettings",
            old_name="instructions_per_language",
            new_name="bank_transfer_instructions",
        ),
        migrations.AlterField(
            model_name="sellingsettings",
            name="bank_transfer_instructions",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text=HELP,
                validators=[core.languages.LanguageTextsValidator(max_length=2000)],
                verbose_name="bank transfer instructions",
            ),
        ),
    ]
