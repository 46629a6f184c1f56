"""The settings' texts become one per language: {"en": "...", "it": "..."}.

Each single text is kept as the text of the site's default language (LANGUAGE_CODE);
going back keeps that language's text (or the first one given).
"""

from django.conf import settings
from django.db import migrations, models

import balance.models

TEXTS = {
    "credits_intro": ("introductory text", None),
    "message_below_minimum": ("message when the minimum is not reached", None),
    "message_minimum_reached": ("message when the minimum is reached", None),
    "checkout_message": (
        "message when the discount is available",
        "{balance} is the customer's balance, {balance-value} the discount.",
    ),
    "checkout_button_text": ("button text", None),
}


def _single(name: str) -> str:
    return f"{name}_single"


def texts_per_language(apps, schema_editor):
    BalanceSettings = apps.get_model("balance", "BalanceSettings")
    for row in BalanceSettings.objects.all():
        for name in TEXTS:
            text = getattr(row, _single(name))
            setattr(row, name, {settings.LANGUAGE_CODE: text} if text else {})
        row.save(update_fields=list(TEXTS))


def texts_single(apps, schema_editor):
    BalanceSettings = apps.get_model("balance", "BalanceSettings")
    for row in BalanceSettings.objects.all():
        for name in TEXTS:
            texts = getattr(row, name) or {}
            text = texts.get(settings.LANGUAGE_CODE) or next(
                (value for value in texts.values() if value), ""
            )
            if name == "checkout_button_text":
                text = text[:100]
            setattr(row, _single(name), text)
        row.save(update_fields=[_single(name) for name in TEXTS])


def _localized_field(label: str, help_text: str | None) -> models.JSONField:
    return models.JSONField(
        blank=True,
        default=dict,
        validators=[balance.models.validate_localized_texts],
        verbose_name=label,
        **({"help_text": help_text} if help_text else {}),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("balance", "0003_settings_and_payout_details"),
    ]

    operations = [
        *[
            migrations.RenameField("balancesettings", name, _single(name))
            for name in TEXTS
        ],
        *[
            migrations.AddField(
                "balancesettings", name, _localized_field(label, help_text)
            )
            for name, (label, help_text) in TEXTS.items()
        ],
        migrations.RunPython(texts_per_language, texts_single),
        *[migrations.RemoveField("balancesettings", _single(name)) for name in TEXTS],
    ]
