"""Customer-area URLs (under /account/). Each area keeps its own block."""

from django.urls import path

from customers.views import account, history_account
from customers.views import login as login_views

app_name = "account"

urlpatterns = [
    path("", account.AccountHomeView.as_view(), name="home"),
    path("login/", account.AccountLoginView.as_view(), name="login"),
    path("logout/", account.AccountLogoutView.as_view(), name="logout"),
    path(
        "login/confirmation/",
        account.ConfirmationResendView.as_view(),
        name="confirmation_resend",
    ),
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
    # login: sign-up and e-mail confirmation
    path("signup/", login_views.SignupView.as_view(), name="signup"),
    path("signup/sent/", login_views.SignupDoneView.as_view(), name="signup_done"),
    path(
        "confirm-email/<str:token>/",
        login_views.EmailConfirmView.as_view(),
        name="confirm_email",
    ),
    # history: profile pages, support requests, push devices (JSON)
    path("profile/", history_account.ProfileView.as_view(), name="profile"),
    path(
        "profile/email/", history_account.EmailChangeView.as_view(), name="email_change"
    ),
    path("addresses/", history_account.AddressesView.as_view(), name="addresses"),
    path(
        "addresses/new/",
        history_account.AddressCreateView.as_view(),
        name="address_create",
    ),
    path(
        "addresses/<int:address_pk>/edit/",
        history_account.AddressUpdateView.as_view(),
        name="address_update",
    ),
    path(
        "addresses/<int:address_pk>/delete/",
        history_account.AddressDeleteView.as_view(),
        name="address_delete",
    ),
    path(
        "addresses/<int:address_pk>/default/",
        history_account.AddressDefaultView.as_view(),
        name="address_default",
    ),
    path("newsletters/", history_account.NewslettersView.as_view(), name="newsletters"),
    path("password/", history_account.PasswordView.as_view(), name="password"),
    path("support/", history_account.SupportView.as_view(), name="support"),
    path(
        "api/push-devices/",
        history_account.PushDeviceCollectionApi.as_view(),
        name="push_devices",
    ),
    path(
        "api/push-devices/<path:token>/",
        history_account.PushDeviceDetailApi.as_view(),
        name="push_device",
    ),
]
