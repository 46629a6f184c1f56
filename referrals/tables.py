"""The staff Referrals list (the shared staff table)."""

from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.money import money_format
from core.tables import StaffTable

NUMBER = {"td": {"class": "number"}, "th": {"class": "number"}}


class MoneyColumn(tables.Column):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", NUMBER)
        super().__init__(*args, **kwargs)

    def render(self, value):
        return money_format(value)


class ReferrerTable(StaffTable):
    referrer = tables.Column(
        verbose_name=pgettext_lazy("referral programme", "Referrer"),
        accessor="pk",
        order_by=("last_name", "pk"),
    )
    referral_signups = tables.Column(verbose_name=_("Sign-ups"), attrs=NUMBER)
    referral_revenue = MoneyColumn(verbose_name=_("Revenue brought"))
    commissions_pending = MoneyColumn(verbose_name=_("Pending"))
    commissions_available = MoneyColumn(verbose_name=_("Credited"))
    commissions_reversed = MoneyColumn(verbose_name=_("Reversed"))

    class Meta(StaffTable.Meta):
        fields = ()
        empty_text = _("Nobody has referred a customer yet.")

    def render_referrer(self, record):
        return format_html(
            '<a href="{}">{}</a><br><small class="muted">{}</small>',
            reverse("referrals:staff_tab", kwargs={"pk": record.pk}),
            str(record),
            record.email,
        )
