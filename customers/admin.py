from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from customers.search import customer_search_q


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("email", "first_name", "last_name", "city", "created_at")
    # The search box shows when search_fields is set; get_search_results searches
    # the way the staff list does (every word, accents and case aside).
    search_fields = ("search_text",)
    search_help_text = _("Every word of a name, e-mail or phone number.")
    raw_id_fields = ("user",)
    # Figures kept in step with the rows they are derived from (the ledger and its
    # holds, the call actions) by the services that write those rows; a value typed
    # here would disagree with them (verify_balances would then fail).
    readonly_fields = (
        "balance",
        "balance_held",
        "last_call_at",
        # Changed through the staff card's services, which check the permissions,
        # keep the login's e-mail in step, record the change on the timeline and
        # tell the old address: here they would change silently.
        "email",
        "user",
        "email_confirmed_at",
        "newsletter_subscribed",
    )
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        if obj is None:  # a new customer's e-mail is typed here like any other field
            return tuple(name for name in self.readonly_fields if name != "email")
        return self.readonly_fields

    def get_search_results(self, request, queryset, search_term):
        return queryset.filter(customer_search_q(search_term)), False
