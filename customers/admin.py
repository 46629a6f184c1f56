from django.contrib import admin

from customers.models import Customer


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("email", "first_name", "last_name", "city", "created_at")
    search_fields = ("email", "last_name")
    raw_id_fields = ("user",)
    # Figures kept in step with the rows they are derived from (the ledger and its
    # holds, the call actions) by the services that write those rows; a value typed
    # here would disagree with them (verify_balances would then fail).
    readonly_fields = ("balance", "balance_held", "last_call_at")
    show_full_result_count = False
