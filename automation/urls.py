from django.urls import path

from automation import views

app_name = "automation"

urlpatterns = [
    path(
        "unsubscribe/<str:token>/",
        views.UnsubscribeView.as_view(),
        name="unsubscribe",
    ),
]
