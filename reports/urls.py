"""The staff report pages."""

from django.urls import path

from reports import views
from reports.schedules import views as schedule_views

app_name = "reports"

urlpatterns = [
    path("staff/reports/", views.ReportIndexView.as_view(), name="index"),
    path(
        "staff/reports/saved/<int:pk>/",
        views.SavedReportOpenView.as_view(),
        name="saved_open",
    ),
    path(
        "staff/reports/saved/<int:pk>/rename/",
        views.SavedReportRenameView.as_view(),
        name="saved_rename",
    ),
    path(
        "staff/reports/saved/<int:pk>/delete/",
        views.SavedReportDeleteView.as_view(),
        name="saved_delete",
    ),
    path(
        "staff/reports/saved/<int:pk>/pin/",
        views.SavedReportPinView.as_view(),
        name="saved_pin",
    ),
    path(
        "staff/reports/saved/<int:pk>/schedule/",
        schedule_views.ScheduleEditView.as_view(),
        name="schedule",
    ),
    path(
        "staff/reports/saved/<int:pk>/schedule/delete/",
        schedule_views.ScheduleDeleteView.as_view(),
        name="schedule_delete",
    ),
    path(
        "staff/reports/<str:source>/",
        views.ReportPageView.as_view(),
        name="page",
    ),
    path(
        "staff/reports/<str:source>/save/",
        views.SavedReportCreateView.as_view(),
        name="save",
    ),
    path(
        "staff/reports/<str:source>/export.<str:fmt>",
        views.ReportExportView.as_view(),
        name="export",
    ),
]
