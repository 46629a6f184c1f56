from django.contrib import admin

from customers.models import Customer


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("email", "first_name", "last_name", "city", "created_at")
    search_fields = ("email", "last_name")
    raw_id_fields = ("user",)
    show_full_result_count = False
