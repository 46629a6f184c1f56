from django.urls import path

from customers import views

app_name = "customers"

urlpatterns = [
    path("staff/customers/", views.CustomerListView.as_view(), name="list"),
    path("staff/customers/new/", views.CustomerCreateView.as_view(), name="create"),
    path("staff/customers/<int:pk>/", views.CustomerCardView.as_view(), name="card"),
]
