"""Login and access: a customer's login, credentials, e-mail confirmation, sign-up and
staff impersonation.

A customer's login is a ``core.User`` linked from ``Customer.user``; it logs in to the
customer area while active. A staff account is never a customer login.
"""

from customers.services.login.access import (
    credentials_event_key,
    customer_credentials_send,
    customer_login_disable,
    customer_login_enable,
    customer_login_password_set,
    login_requires_confirmation,
)
from customers.services.login.common import (
    User,
    confirmation_max_age,
    password_generate,
)
from customers.services.login.confirmation import (
    confirmation_queue,
    customer_confirmation_send,
    customer_email_confirm,
    email_confirmation_customer,
    email_confirmation_token,
)
from customers.services.login.impersonation import (
    customer_impersonation_end,
    customer_impersonation_start,
)
from customers.services.login.signup import (
    customer_signup,
    origin_clean,
)

__all__ = [
    "User",
    "confirmation_max_age",
    "confirmation_queue",
    "credentials_event_key",
    "customer_confirmation_send",
    "customer_credentials_send",
    "customer_email_confirm",
    "customer_impersonation_end",
    "customer_impersonation_start",
    "customer_login_disable",
    "customer_login_enable",
    "customer_login_password_set",
    "customer_signup",
    "email_confirmation_customer",
    "email_confirmation_token",
    "login_requires_confirmation",
    "origin_clean",
    "password_generate",
]
