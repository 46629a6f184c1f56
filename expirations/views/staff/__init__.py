"""Staff pages of the expirations: the card's tab with add, edit, cancel and delete;
the report and its exports; the settings; the dashboard widgets' actions."""

from expirations.views.staff.card import (
    ExpirationCancelView,
    ExpirationCreateView,
    ExpirationDeleteView,
    ExpirationTabView,
    ExpirationUpdateView,
)
from expirations.views.staff.dashboard import (
    TodoDoneView,
    WidgetView,
)
from expirations.views.staff.report import (
    ReportCsvView,
    ReportPdfView,
    ReportView,
)
from expirations.views.staff.settings import (
    ChoiceListView,
    SettingsView,
)

__all__ = [
    "ChoiceListView",
    "ExpirationCancelView",
    "ExpirationCreateView",
    "ExpirationDeleteView",
    "ExpirationTabView",
    "ExpirationUpdateView",
    "ReportCsvView",
    "ReportPdfView",
    "ReportView",
    "SettingsView",
    "TodoDoneView",
    "WidgetView",
]
