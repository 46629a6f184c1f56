"""Helpers of the customer-area tests: settings, URLs, impersonation."""

from __future__ import annotations

from django.urls import reverse

from balance.models import BalanceSettings
from core.impersonation import IMPERSONATED_SESSION_KEY, IMPERSONATOR_SESSION_KEY
from selling.models import SellingSettings

SHOP = "/account/shop/"
CART = "/account/cart/"
CART_ADD = "/account/cart/add/"
CHECKOUT = "/account/checkout/"
DISCOUNT = "/account/checkout/discount/"
PLACE = "/account/checkout/place/"
ORDERS = "/account/orders/"


def line_url(line) -> str:
    return reverse("selling:account_cart_line", args=[line.pk])


def line_remove_url(line) -> str:
    return reverse("selling:account_cart_line_remove", args=[line.pk])


def order_url(order) -> str:
    return reverse("selling:account_order", args=[order.pk])


def order_cancel_url(order) -> str:
    return reverse("selling:account_order_cancel", args=[order.pk])


def offer_enabled(
    message="You have {balance}: use {balance-value} now!",
    button_text="Use my credits",
    colour="#aa3300",
    style=BalanceSettings.ButtonStyle.FILLED,
) -> BalanceSettings:
    row = BalanceSettings.load()
    row.checkout_enabled = True
    row.checkout_message = {"en": message}
    row.checkout_button_text = {"en": button_text}
    row.checkout_button_colour = colour
    row.checkout_button_style = style
    row.save()
    return row


def bank_instructions(text="Pay to IT60X0542811101000000123456, reference {order}."):
    row = SellingSettings.load()
    row.bank_transfer_instructions = text
    row.save()
    return row


def impersonate(client, staff_user, customer) -> None:
    client.force_login(customer.user)
    session = client.session
    session[IMPERSONATOR_SESSION_KEY] = staff_user.pk
    session[IMPERSONATED_SESSION_KEY] = customer.user.pk
    session.save()


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]
