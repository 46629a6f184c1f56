"""Read-only admin pages: referrals and commissions change only through the
services (the card's tab, the refund, the credit job), which record and check."""

from django.contrib import admin

from referrals.models import Commission, Referral, ReferralCode, ReferralEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    list_display = ("referred", "referrer", "source", "created_at")
    list_filter = ("source",)
    search_fields = ("referred__email", "referrer__email")
    list_select_related = ("referred", "referrer")


@admin.register(ReferralEvent)
class ReferralEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "referral", "kind", "actor_label")
    list_filter = ("kind",)
    list_select_related = ("referral__referred", "referral__referrer")


@admin.register(ReferralCode)
class ReferralCodeAdmin(ReadOnlyAdmin):
    list_display = ("code", "customer", "created_at")
    search_fields = ("code", "customer__email")
    list_select_related = ("customer",)


@admin.register(Commission)
class CommissionAdmin(ReadOnlyAdmin):
    list_display = ("order", "referrer", "amount", "status", "available_at")
    list_filter = ("status",)
    search_fields = ("referrer__email",)
    list_select_related = ("order", "referrer")
