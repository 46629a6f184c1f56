from django.urls import path

from automation.views import unsubscribe

app_name = "automation"

urlpatterns = [
    path(
        "unsubscribe/<str:token>/",
        unsubscribe.UnsubscribeView.as_view(),
        name="unsubscribe",
    ),
]
