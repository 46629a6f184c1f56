"""URLs of the balance app: backoffice pages and the customer area's "My credits"."""

from django.urls import path  # noqa: F401 - the blocks below add paths

from balance.views import account as account_views
from balance.views import staff

app_name = "balance"

urlpatterns = [
    # Staff side
    path(
        "staff/customers/<int:pk>/balance/",
        staff.BalanceTabView.as_view(),
        name="tab",
    ),
    path(
        "staff/customers/<int:pk>/balance/operation/",
        staff.BalanceOperationView.as_view(),
        name="operation",
    ),
    path(
        "staff/customers/<int:pk>/balance/<int:entry_pk>/reverse/",
        staff.BalanceReverseView.as_view(),
        name="reverse",
    ),
    path(
        "staff/settings/balance/",
        staff.BalanceSettingsView.as_view(),
        name="settings",
    ),
    path("staff/balance/gifts/", staff.GiftListView.as_view(), name="gifts"),
    path(
        "staff/balance/gifts/<int:pk>/",
        staff.GiftEditView.as_view(),
        name="gift_edit",
    ),
    path(
        "staff/balance/gifts/<int:pk>/active/",
        staff.GiftActiveView.as_view(),
        name="gift_active",
    ),
    path(
        "staff/balance/withdrawals/",
        staff.WithdrawalListView.as_view(),
        name="withdrawals",
    ),
    path(
        "staff/balance/withdrawals/<int:pk>/<str:action>/",
        staff.WithdrawalActionView.as_view(),
        name="withdrawal_action",
    ),
    # Customer area
    path(
        "account/credits/",
        account_views.CreditsView.as_view(),
        name="account_credits",
    ),
    path(
        "account/credits/payout/",
        account_views.PayoutDetailsView.as_view(),
        name="account_payout",
    ),
    path(
        "account/credits/withdraw/",
        account_views.WithdrawalRequestView.as_view(),
        name="account_withdraw",
    ),
    path(
        "account/credits/withdrawals/<int:pk>/cancel/",
        account_views.WithdrawalCancelView.as_view(),
        name="account_withdrawal_cancel",
    ),
]
