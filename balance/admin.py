"""The ledger in Django's admin: to look at, never to write.

Entries are append-only and holds change only through the balance services, which
keep the customer's balance and held balance in step with them under a row lock.
"""

from django.contrib import admin

from balance.models import Entry, Hold
from core.admin import ViewOnlyAdmin


@admin.register(Entry)
class EntryAdmin(ViewOnlyAdmin):
    list_display = ("created_at", "customer", "kind", "amount", "balance_after")
    list_filter = ("kind", "author_kind")
    list_select_related = ("customer",)
    search_fields = ("customer__email", "idempotency_key")
    raw_id_fields = ("customer",)
    show_full_result_count = False


@admin.register(Hold)
class HoldAdmin(ViewOnlyAdmin):
    list_display = ("created_at", "customer", "kind", "amount", "status")
    list_filter = ("status", "kind")
    list_select_related = ("customer",)
    search_fields = ("customer__email", "idempotency_key")
    raw_id_fields = ("customer",)
    show_full_result_count = False
