"""The staff's Settings → Webhooks pages."""

from django.urls import path

from webhooks import views

app_name = "webhooks"

urlpatterns = [
    path(
        "staff/settings/webhooks/",
        views.SubscriptionListView.as_view(),
        name="staff_list",
    ),
    path(
        "staff/settings/webhooks/<int:pk>/",
        views.SubscriptionDetailView.as_view(),
        name="staff_detail",
    ),
    path(
        "staff/settings/webhooks/<int:pk>/toggle/",
        views.SubscriptionToggleView.as_view(),
        name="staff_toggle",
    ),
    path(
        "staff/settings/webhooks/<int:pk>/rotate-secret/",
        views.SubscriptionRotateView.as_view(),
        name="staff_rotate",
    ),
    path(
        "staff/settings/webhooks/<int:pk>/test/",
        views.SubscriptionTestView.as_view(),
        name="staff_test",
    ),
    path(
        "staff/settings/webhooks/deliveries/<int:pk>/resend/",
        views.DeliveryResendView.as_view(),
        name="staff_resend",
    ),
]
