from django.urls import path

from automation.views import card, runs, unsubscribe

app_name = "automation"

urlpatterns = [
    path(
        "unsubscribe/<str:token>/",
        unsubscribe.UnsubscribeView.as_view(),
        name="unsubscribe",
    ),
    # A funnel's runs, Needs attention
    path(
        "staff/funnels/<int:pk>/runs/",
        runs.FunnelRunListView.as_view(),
        name="staff_runs",
    ),
    path(
        "staff/funnels/<int:pk>/runs/<int:run_pk>/",
        runs.RunDetailView.as_view(),
        name="staff_run",
    ),
    path(
        "staff/funnels/<int:pk>/runs/<int:run_pk>/stop/",
        runs.RunCancelView.as_view(),
        name="staff_run_cancel",
    ),
    path(
        "staff/funnels/attention/",
        runs.AttentionListView.as_view(),
        name="staff_attention",
    ),
    path(
        "staff/funnels/attention/bulk/",
        runs.AttentionBulkView.as_view(),
        name="staff_attention_bulk",
    ),
    path(
        "staff/funnels/attention/<int:visit_pk>/retry/",
        runs.VisitDecisionView.as_view(decision="retry"),
        name="staff_visit_retry",
    ),
    path(
        "staff/funnels/attention/<int:visit_pk>/skip/",
        runs.VisitDecisionView.as_view(decision="skip"),
        name="staff_visit_skip",
    ),
    # The customer card's Funnels tab
    path(
        "staff/customers/<int:pk>/funnels/",
        card.FunnelTabView.as_view(),
        name="card_tab",
    ),
    path(
        "staff/customers/<int:pk>/funnels/add/",
        card.FunnelEnrolView.as_view(),
        name="card_enrol",
    ),
    path(
        "staff/customers/<int:pk>/funnels/<int:run_pk>/stop/",
        card.CustomerRunCancelView.as_view(),
        name="card_run_cancel",
    ),
]
