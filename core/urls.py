from django.urls import path

from core import views

app_name = "staff"

urlpatterns = [
    path("staff/", views.DashboardView.as_view(), name="dashboard"),
    path("staff/login/", views.StaffLoginView.as_view(), name="login"),
    path("staff/logout/", views.StaffLogoutView.as_view(), name="logout"),
    path("staff/emails/", views.SentEmailListView.as_view(), name="emails"),
    path("staff/settings/", views.SettingsIndexView.as_view(), name="settings"),
]
