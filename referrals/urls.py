"""URLs of the referrals app: the link, the customer's page and the staff pages."""

from django.urls import path

from referrals.views import account, link, staff

app_name = "referrals"

urlpatterns = [
    path("r/<str:code>/", link.ReferralLinkView.as_view(), name="link"),
    path("account/referrals/", account.ReferralsView.as_view(), name="account"),
    path(
        "staff/customers/<int:pk>/referrals/",
        staff.ReferralTabView.as_view(),
        name="staff_tab",
    ),
    path(
        "staff/customers/<int:pk>/referrals/referrer/",
        staff.ReferrerChangeView.as_view(),
        name="staff_referrer",
    ),
    path("staff/referrals/", staff.ReferrerListView.as_view(), name="staff_list"),
    path("staff/referrals.csv", staff.ReferrerCsvView.as_view(), name="staff_csv"),
    path(
        "staff/settings/referrals/",
        staff.SettingsView.as_view(),
        name="staff_settings",
    ),
    path(
        "staff/settings/referrals/products/",
        staff.ProductCommissionView.as_view(),
        name="staff_product_commission",
    ),
    path(
        "staff/settings/referrals/products/<int:rate_pk>/remove/",
        staff.ProductCommissionRemoveView.as_view(),
        name="staff_product_commission_remove",
    ),
]
