"""URLs of the API app: the API itself (/api/...) and the staff's key settings."""

from django.urls import path

from api import views
from api.v1 import api

app_name = "api"

urlpatterns = [
    path("api/", api.urls),
    path("staff/settings/api-keys/", views.KeysView.as_view(), name="staff_keys"),
    path(
        "staff/settings/api-keys/<int:pk>/revoke/",
        views.KeyRevokeView.as_view(),
        name="staff_key_revoke",
    ),
]
