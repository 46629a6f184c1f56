"""Customer area: shop, cart, checkout, my orders."""

from django.urls import path

from selling.views import account

urlpatterns = [
    path("account/shop/", account.ShopView.as_view(), name="account_shop"),
    path("account/cart/", account.CartView.as_view(), name="account_cart"),
    path("account/cart/add/", account.CartAddView.as_view(), name="account_cart_add"),
    path(
        "account/cart/lines/<int:pk>/",
        account.CartLineView.as_view(),
        name="account_cart_line",
    ),
    path(
        "account/cart/lines/<int:pk>/remove/",
        account.CartLineRemoveView.as_view(),
        name="account_cart_line_remove",
    ),
    path("account/checkout/", account.CheckoutView.as_view(), name="account_checkout"),
    path(
        "account/checkout/discount/",
        account.CheckoutDiscountView.as_view(),
        name="account_checkout_discount",
    ),
    path(
        "account/checkout/place/",
        account.CheckoutPlaceView.as_view(),
        name="account_checkout_place",
    ),
    path("account/orders/", account.OrderListView.as_view(), name="account_orders"),
    path(
        "account/orders/<int:pk>/",
        account.OrderDetailView.as_view(),
        name="account_order",
    ),
    path(
        "account/orders/<int:pk>/cancel/",
        account.OrderCancelView.as_view(),
        name="account_order_cancel",
    ),
]
