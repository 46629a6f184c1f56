"""Backoffice URLs of the customers app. Each area keeps its own block."""

from django.urls import path

from customers.views import billing, bulk, home, marketing, staff
from customers.views import history as history_views
from customers.views import imports as import_views
from customers.views import login as login_views

app_name = "customers"

urlpatterns = [
    # The site's home page, public
    path("", home.SiteHomeView.as_view(), name="home"),
    # List and card
    path("staff/customers/", staff.CustomerListView.as_view(), name="list"),
    path("staff/customers/new/", staff.CustomerCreateView.as_view(), name="create"),
    path("staff/customers/<int:pk>/", staff.CustomerCardView.as_view(), name="card"),
    # login: login and access, sidebar actions, impersonation
    path(
        "staff/customers/<int:pk>/login/",
        login_views.CustomerLoginTabView.as_view(),
        name="login",
    ),
    path(
        "staff/customers/<int:pk>/login/enable/",
        login_views.CustomerLoginEnableView.as_view(),
        name="login_enable",
    ),
    path(
        "staff/customers/<int:pk>/login/disable/",
        login_views.CustomerLoginDisableView.as_view(),
        name="login_disable",
    ),
    path(
        "staff/customers/<int:pk>/login/credentials/",
        login_views.CustomerCredentialsSendView.as_view(),
        name="login_credentials",
    ),
    path(
        "staff/customers/<int:pk>/login/confirmation/",
        login_views.CustomerConfirmationSendView.as_view(),
        name="login_confirmation",
    ),
    path(
        "staff/customers/<int:pk>/impersonate/",
        login_views.CustomerImpersonateView.as_view(),
        name="impersonate",
    ),
    path(
        "staff/impersonation/end/",
        login_views.ImpersonationEndView.as_view(),
        name="impersonation_end",
    ),
    path(
        "staff/customers/<int:pk>/emails/",
        history_views.EmailListView.as_view(),
        name="emails",
    ),
    # history: the Action history tab, custom actions, support, push devices
    path(
        "staff/customers/<int:pk>/history/",
        history_views.HistoryTabView.as_view(),
        name="history",
    ),
    path(
        "staff/customers/<int:pk>/actions/new/",
        history_views.ActionCreateView.as_view(),
        name="action_create",
    ),
    path(
        "staff/customers/<int:pk>/actions/<int:action_pk>/edit/",
        history_views.ActionUpdateView.as_view(),
        name="action_update",
    ),
    path(
        "staff/customers/<int:pk>/actions/<int:action_pk>/delete/",
        history_views.ActionDeleteView.as_view(),
        name="action_delete",
    ),
    path(
        "staff/customers/<int:pk>/actions/<int:action_pk>/done/",
        history_views.ActionDoneView.as_view(),
        name="action_done",
    ),
    path(
        "staff/customers/<int:pk>/attachments/<int:attachment_pk>/",
        history_views.AttachmentDownloadView.as_view(),
        name="attachment",
    ),
    path(
        "staff/customers/<int:pk>/support/<int:request_pk>/close/",
        history_views.SupportRequestCloseView.as_view(),
        name="support_close",
    ),
    path(
        "staff/customers/<int:pk>/push-devices/",
        history_views.PushDeviceListView.as_view(),
        name="push_devices",
    ),
    path(
        "staff/customers/<int:pk>/push-devices/<int:device_pk>/remove/",
        history_views.PushDeviceRemoveView.as_view(),
        name="push_device_remove",
    ),
    # import: the CSV import wizard and its jobs
    path(
        "staff/customers/import/",
        import_views.ImportUploadView.as_view(),
        name="import_upload",
    ),
    path(
        "staff/customers/import/<int:pk>/",
        import_views.ImportProgressView.as_view(),
        name="import_progress",
    ),
    path(
        "staff/customers/import/<int:pk>/columns/",
        import_views.ImportMappingView.as_view(),
        name="import_mapping",
    ),
    path(
        "staff/customers/import/<int:pk>/preview/",
        import_views.ImportPreviewView.as_view(),
        name="import_preview",
    ),
    path(
        "staff/customers/import/<int:pk>/errors.csv",
        import_views.ImportErrorsCsvView.as_view(),
        name="import_errors_csv",
    ),
    # list: bulk actions, export, Marketing and Billing tabs, avatar, settings
    path("staff/customers/bulk/", bulk.CustomerBulkView.as_view(), name="bulk"),
    path("staff/customers/bulk/<int:pk>/", bulk.BulkJobView.as_view(), name="bulk_job"),
    path("staff/customers/export/", bulk.CustomerExportView.as_view(), name="export"),
    path(
        "staff/customers/<int:pk>/marketing/",
        marketing.CustomerMarketingView.as_view(),
        name="marketing",
    ),
    path(
        "staff/customers/<int:pk>/marketing/tags/add/",
        marketing.MarketingTagAddView.as_view(),
        name="marketing_tag_add",
    ),
    path(
        "staff/customers/<int:pk>/marketing/tags/<int:tag_pk>/remove/",
        marketing.MarketingTagRemoveView.as_view(),
        name="marketing_tag_remove",
    ),
    path(
        "staff/customers/<int:pk>/marketing/lists/subscribe/",
        marketing.MarketingSubscribeView.as_view(),
        name="marketing_subscribe",
    ),
    path(
        "staff/customers/<int:pk>/marketing/lists/<int:list_pk>/unsubscribe/",
        marketing.MarketingUnsubscribeView.as_view(),
        name="marketing_unsubscribe",
    ),
    path(
        "staff/customers/<int:pk>/marketing/newsletter/",
        marketing.MarketingNewsletterView.as_view(),
        name="marketing_newsletter",
    ),
    path(
        "staff/customers/<int:pk>/billing/",
        billing.CustomerBillingView.as_view(),
        name="billing",
    ),
    path(
        "staff/customers/<int:pk>/billing/addresses/new/",
        billing.ShippingAddressFormView.as_view(),
        name="shipping_create",
    ),
    path(
        "staff/customers/<int:pk>/billing/addresses/<int:address_pk>/",
        billing.ShippingAddressFormView.as_view(),
        name="shipping_edit",
    ),
    path(
        "staff/customers/<int:pk>/billing/addresses/<int:address_pk>/default/",
        billing.ShippingAddressDefaultView.as_view(),
        name="shipping_default",
    ),
    path(
        "staff/customers/<int:pk>/billing/addresses/<int:address_pk>/delete/",
        billing.ShippingAddressDeleteView.as_view(),
        name="shipping_delete",
    ),
    path(
        "staff/customers/<int:pk>/avatar/",
        billing.CustomerAvatarView.as_view(),
        name="avatar",
    ),
    path(
        "staff/customers/<int:pk>/avatar/remove/",
        billing.CustomerAvatarRemoveView.as_view(),
        name="avatar_remove",
    ),
    path(
        "staff/customers/<int:pk>/avatar/thumbnail.jpg",
        billing.CustomerAvatarThumbnailView.as_view(),
        name="avatar_thumbnail",
    ),
    path(
        "staff/settings/customers/tags/",
        marketing.TagSettingsView.as_view(),
        name="settings_tags",
    ),
    path(
        "staff/settings/customers/tags/<int:pk>/",
        marketing.TagEditView.as_view(),
        name="settings_tag_edit",
    ),
    path(
        "staff/settings/customers/tags/<int:pk>/delete/",
        marketing.TagDeleteView.as_view(),
        name="settings_tag_delete",
    ),
    path(
        "staff/settings/customers/lists/",
        marketing.ListSettingsView.as_view(),
        name="settings_lists",
    ),
    path(
        "staff/settings/customers/lists/<int:pk>/",
        marketing.ListEditView.as_view(),
        name="settings_list_edit",
    ),
    path(
        "staff/settings/customers/lists/<int:pk>/archive/",
        marketing.ListArchiveView.as_view(),
        name="settings_list_archive",
    ),
]
