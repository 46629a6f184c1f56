"""URLs of the customer area (/account/expirations/)."""

from django.urls import path

from expirations.views import account

urlpatterns = [
    path(
        "account/expirations/",
        account.ExpirationListView.as_view(),
        name="account_list",
    ),
    path(
        "account/expirations/<int:pk>/renew/",
        account.ExpirationRenewView.as_view(),
        name="account_renew",
    ),
]
