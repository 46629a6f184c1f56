"""Backoffice URLs of the expirations app."""

from django.urls import path

from expirations.views import staff

urlpatterns = [
    path(
        "staff/customers/<int:pk>/expirations/",
        staff.ExpirationTabView.as_view(),
        name="staff_tab",
    ),
    path(
        "staff/customers/<int:pk>/expirations/new/",
        staff.ExpirationCreateView.as_view(),
        name="staff_create",
    ),
    path(
        "staff/customers/<int:pk>/expirations/<int:expiration_pk>/edit/",
        staff.ExpirationUpdateView.as_view(),
        name="staff_update",
    ),
    path(
        "staff/customers/<int:pk>/expirations/<int:expiration_pk>/cancel/",
        staff.ExpirationCancelView.as_view(),
        name="staff_cancel",
    ),
    path(
        "staff/customers/<int:pk>/expirations/<int:expiration_pk>/delete/",
        staff.ExpirationDeleteView.as_view(),
        name="staff_delete",
    ),
    path("staff/expirations/report/", staff.ReportView.as_view(), name="report"),
    path(
        "staff/expirations/report.csv",
        staff.ReportCsvView.as_view(),
        name="report_csv",
    ),
    path(
        "staff/expirations/report.pdf",
        staff.ReportPdfView.as_view(),
        name="report_pdf",
    ),
    path(
        "staff/settings/expirations/",
        staff.SettingsView.as_view(),
        name="staff_settings",
    ),
    path(
        "staff/settings/expirations/<str:kind>/add/",
        staff.ChoiceListView.as_view(),
        name="staff_choice_add",
    ),
    path(
        "staff/settings/expirations/<str:kind>/<int:choice_pk>/<str:action>/",
        staff.ChoiceListView.as_view(),
        name="staff_choice_change",
    ),
    path(
        "staff/expirations/widgets/<str:key>/",
        staff.WidgetView.as_view(),
        name="staff_widget",
    ),
    path(
        "staff/expirations/todo/<int:action_pk>/done/",
        staff.TodoDoneView.as_view(),
        name="todo_done",
    ),
]
