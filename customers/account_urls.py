"""Customer-area URLs (under /account/). Each area keeps its own block."""

from django.urls import path

from customers.views import account

app_name = "account"

urlpatterns = [
    path("", account.AccountHomeView.as_view(), name="home"),
    path("login/", account.AccountLoginView.as_view(), name="login"),
    path("logout/", account.AccountLogoutView.as_view(), name="logout"),
    path(
        "password-reset/",
        account.AccountPasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        account.AccountPasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        account.AccountPasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        account.AccountPasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
