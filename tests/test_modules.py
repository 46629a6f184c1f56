"""The hub keeps working when a module that plugs into it is switched off."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import django
from django.core.management import call_command
django.setup()
from django.apps import apps
from django.test import Client
from django.test.utils import setup_test_environment
from core.models import User
from customers.models import Customer

setup_test_environment()
assert not apps.is_installed({module!r})
call_command("migrate", verbosity=0)
staff = User.objects.create_superuser("boss@example.com", "pw")
customer = Customer.objects.create(email="c@example.com", first_name="C")
client = Client()
client.force_login(staff)
for url in ["/staff/", "/staff/customers/", f"/staff/customers/{{customer.pk}}/",
            "/staff/orders/"]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)

# The shop and checkout work with any module switched off (balance included).
from selling.models import Product
product = Product.objects.create(name="Support", price="10.00")
customer.user = User.objects.create_user("c@example.com", "pw")
customer.save()
shopper = Client()
shopper.force_login(customer.user)
response = shopper.post("/account/cart/add/", {{"product": product.pk, "quantity": 2}})
assert response.status_code == 302, response.status_code
for url in ["/account/", "/account/shop/", "/account/cart/", "/account/checkout/"]:
    response = shopper.get(url)
    assert response.status_code == 200, (url, response.status_code)
assert "Support" in shopper.get("/account/checkout/").content.decode()

# Sign-up and the referral link: without referrals (or without the balance it
# pays into, which switches it off too) /r/<code>/ is an unknown page.
if {module!r} == "balance":
    assert not apps.is_installed("referrals")
assert Client().get("/account/signup/").status_code == 200
if not apps.is_installed("referrals"):
    assert Client().get("/r/abcdefgh/").status_code == 404

# The funnel engine runs with whichever other module is switched off.
if apps.is_installed("automation"):
    import io
    out = io.StringIO()
    call_command("run_funnels", stdout=out)
    assert "0 steps done" in out.getvalue(), out.getvalue()
# The reports engine reads the sources of the modules that are switched on.
if apps.is_installed("reports"):
    import io
    from django.core.management.base import CommandError
    out = io.StringIO()
    try:
        call_command("report", "balance.movements", "--group-by", "month",
                     "--period", "this_month", "--format", "csv",
                     stdout=out, stderr=io.StringIO())
        assert apps.is_installed("balance")
        assert out.getvalue().startswith("month,count,credits"), out.getvalue()
    except CommandError as error:
        assert not apps.is_installed("balance"), error
        assert error.returncode == 2 and "Unknown report source" in str(error)
    # Every module's source runs while it is on, and is unknown when it is off.
    owners = {{"customers": "customers", "orders": "selling",
               "expirations": "expirations", "withdrawals": "balance",
               "automation.funnels": "automation",
               "referrals.commissions": "referrals"}}
    for key, owner in owners.items():
        out = io.StringIO()
        try:
            call_command("report", key, "--group-by", "month", "--period",
                         "this_year", "--format", "csv",
                         stdout=out, stderr=io.StringIO())
            assert apps.is_installed(owner), key
            assert out.getvalue().startswith("month,"), (key, out.getvalue())
        except CommandError as error:
            assert not apps.is_installed(owner), (key, error)
            assert "Unknown report source" in str(error), (key, error)
# The API answers with whichever other module is switched off; its balance
# (expirations) endpoints are there only with the balance (expirations).
if apps.is_installed("api"):
    schema = Client().get("/api/openapi.json").json()
    assert "/api/v1/customers" in schema["paths"]
    credit = "/api/v1/customers/{{ref}}/credit" in schema["paths"]
    assert credit == apps.is_installed("balance"), schema["paths"].keys()
    listed = "/api/v1/expirations" in schema["paths"]
    assert listed == apps.is_installed("expirations"), schema["paths"].keys()
    assert Client().get("/api/v1/nothing").json()["error"]["code"] == "not_found"
# Webhooks: their settings page is there only with them; events from the other
# modules reach their outbox, and the hub works the same without them.
from customers.services import customer_create
settings_page = client.get("/staff/settings/webhooks/").status_code
assert settings_page == (200 if apps.is_installed("webhooks") else 404), settings_page
if apps.is_installed("webhooks"):
    from webhooks.models import Delivery
    from webhooks.services import subscription_create
    subscription_create(url="https://93.184.215.14/hook", events=["customer.created"],
                        created_by=staff)
    from django.db import transaction
    with transaction.atomic():  # rolled back: nothing is sent out of the test
        customer_create(email="hooked@example.com", first_name="H")
        assert Delivery.objects.get().event_type == "customer.created"
        transaction.set_rollback(True)
else:
    customer_create(email="hooked@example.com", first_name="H")
print("ok")
"""


@pytest.mark.parametrize("module", settings.PLUGIN_MODULES)
def test_project_works_without_a_plugin_module(module, tmp_path):
    env = {
        **os.environ,
        "CLIENTELA_DISABLED_MODULES": module,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "ALLOWED_HOSTS": "testserver",
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "AXES_ENABLED": "false",
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(module=module)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")
