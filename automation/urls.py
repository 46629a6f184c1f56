from django.urls import path

from automation.views import card, editor, funnels, runs, unsubscribe

app_name = "automation"

urlpatterns = [
    path(
        "unsubscribe/<str:token>/",
        unsubscribe.UnsubscribeView.as_view(),
        name="unsubscribe",
    ),
    # The staff funnel pages: the list and a funnel's page (the editor).
    path("staff/funnels/", funnels.FunnelListView.as_view(), name="funnel_list"),
    path(
        "staff/funnels/new/", funnels.FunnelCreateView.as_view(), name="funnel_create"
    ),
    path(
        "staff/funnels/upload/",
        funnels.FunnelUploadView.as_view(),
        name="funnel_upload",
    ),
    path("staff/funnels/<int:pk>/", editor.EditorView.as_view(), name="funnel_editor"),
    path(
        "staff/funnels/<int:pk>/download/",
        funnels.FunnelDownloadView.as_view(),
        name="funnel_download",
    ),
    path(
        "staff/funnels/<int:pk>/publish/",
        funnels.FunnelPublishView.as_view(),
        name="funnel_publish",
    ),
    path(
        "staff/funnels/<int:pk>/discard/",
        funnels.FunnelDiscardView.as_view(),
        name="funnel_discard",
    ),
    path(
        "staff/funnels/<int:pk>/status/<str:action>/",
        funnels.FunnelStatusView.as_view(),
        name="funnel_status",
    ),
    path(
        "staff/funnels/<int:pk>/simulate/",
        funnels.FunnelSimulateView.as_view(),
        name="funnel_simulate",
    ),
    path(
        "staff/funnels/<int:pk>/test-run/",
        funnels.FunnelTestRunView.as_view(),
        name="funnel_test_run",
    ),
    path(
        "staff/funnels/<int:pk>/settings/",
        editor.EditorSettingsView.as_view(),
        name="editor_settings",
    ),
    path(
        "staff/funnels/<int:pk>/diagram/",
        editor.EditorDiagramView.as_view(),
        name="editor_diagram",
    ),
    path(
        "staff/funnels/<int:pk>/steps/add/",
        editor.StepAddView.as_view(),
        name="step_add",
    ),
    path(
        "staff/funnels/<int:pk>/steps/edit/",
        editor.StepEditView.as_view(),
        name="step_edit",
    ),
    path(
        "staff/funnels/<int:pk>/steps/move/",
        editor.StepMoveView.as_view(),
        name="step_move",
    ),
    path(
        "staff/funnels/<int:pk>/steps/delete/",
        editor.StepDeleteView.as_view(),
        name="step_delete",
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
