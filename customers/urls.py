"""Backoffice URLs of the customers app. Each area keeps its own block."""

from django.urls import path

from customers.views import staff

app_name = "customers"

urlpatterns = [
    # List and card
    path("staff/customers/", staff.CustomerListView.as_view(), name="list"),
    path("staff/customers/new/", staff.CustomerCreateView.as_view(), name="create"),
    path("staff/customers/<int:pk>/", staff.CustomerCardView.as_view(), name="card"),
]
