"""URLs of the balance app: backoffice pages and the customer area's "My credits"."""

from django.urls import path  # noqa: F401 - the blocks below add paths

app_name = "balance"

urlpatterns = [
    # Staff side
    # Customer area
]
