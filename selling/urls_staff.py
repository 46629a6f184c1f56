"""Backoffice pages: products, orders, settings, the customer card's Orders tab."""

from django.urls import path

from selling.views import staff

urlpatterns = [
    path("staff/products/", staff.ProductListView.as_view(), name="staff_products"),
    path(
        "staff/products/new/",
        staff.ProductCreateView.as_view(),
        name="staff_product_create",
    ),
    path(
        "staff/products/<int:pk>/",
        staff.ProductEditView.as_view(),
        name="staff_product_edit",
    ),
    path("staff/orders/", staff.OrderListView.as_view(), name="staff_orders"),
    path("staff/orders/<int:pk>/", staff.OrderDetailView.as_view(), name="staff_order"),
    path(
        "staff/orders/<int:pk>/mark-paid/",
        staff.OrderMarkPaidView.as_view(),
        name="staff_order_mark_paid",
    ),
    path(
        "staff/orders/<int:pk>/cancel/",
        staff.OrderCancelView.as_view(),
        name="staff_order_cancel",
    ),
    path(
        "staff/orders/<int:pk>/refund/",
        staff.OrderRefundView.as_view(),
        name="staff_order_refund",
    ),
    path(
        "staff/customers/<int:pk>/orders/",
        staff.CustomerOrdersTabView.as_view(),
        name="staff_customer_orders",
    ),
    path(
        "staff/settings/selling/",
        staff.SellingSettingsView.as_view(),
        name="staff_settings",
    ),
]
