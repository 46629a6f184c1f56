import re

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group

from tests.core.factories import PASSWORD, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_staff_login_with_email_and_password(client, staff_user):
    response = client.post(
        "/staff/login/", {"username": staff_user.email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200


def test_staff_login_wrong_password_says_so(client, staff_user):
    response = client.post(
        "/staff/login/", {"username": staff_user.email, "password": "wrong"}
    )
    assert response.status_code == 200
    assert "The e-mail or the password is not right" in response.content.decode()
    assert "_auth_user_id" not in client.session


def _page_without_csrf_token(response) -> str:
    """The page as a person reads it: the CSRF token is masked anew each time."""
    return re.sub(r"\b[A-Za-z0-9]{64}\b", "", response.content.decode())


def test_staff_login_answers_a_customers_right_password_like_a_wrong_one(
    client, customer
):
    """Nothing tells that the e-mail has an account (issue 10, item 8)."""
    unknown = client.post(
        "/staff/login/", {"username": "nobody@example.com", "password": PASSWORD}
    )
    wrong = client.post(
        "/staff/login/", {"username": customer.email, "password": "wrong"}
    )
    right = client.post(
        "/staff/login/", {"username": customer.email, "password": PASSWORD}
    )
    assert right.status_code == wrong.status_code == unknown.status_code == 200
    assert "The e-mail or the password is not right" in right.content.decode()
    assert "backoffice" not in right.content.decode().split("<form")[1]
    assert _page_without_csrf_token(right) == _page_without_csrf_token(wrong)
    assert "_auth_user_id" not in client.session


def test_staff_login_counts_a_customers_right_password_as_a_failure(
    client, customer, settings
):
    settings.AXES_ENABLED = True
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post("/staff/login/", {"username": customer.email, "password": PASSWORD})
    assert AccessAttempt.objects.get().failures_since_start == (
        settings.AXES_FAILURE_LIMIT
    )
    response = client.post(
        "/staff/login/", {"username": customer.email, "password": PASSWORD}
    )
    assert response.status_code == 429


def test_backoffice_sends_anonymous_visitors_to_login(client):
    response = client.get("/staff/customers/")
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/?next=/staff/customers/")


def test_backoffice_is_forbidden_to_customers(customer_client):
    response = customer_client.get("/staff/")
    assert response.status_code == 403
    assert "Access denied" in response.content.decode()


def test_backoffice_checks_permissions(client):
    no_group = StaffFactory()
    client.force_login(no_group)
    assert client.get("/staff/").status_code == 200
    assert client.get("/staff/customers/").status_code == 403


def test_staff_menu_shows_only_permitted_entries(client, staff_user, manager_user):
    client.force_login(staff_user)
    page = client.get("/staff/").content.decode()
    assert 'href="/staff/customers/"' in page
    assert 'href="/staff/emails/"' not in page
    client.force_login(manager_user)
    assert 'href="/staff/emails/"' in client.get("/staff/").content.decode()


def test_builtin_groups_have_permissions():
    staff = Group.objects.get(name="Staff")
    manager = Group.objects.get(name="Manager")
    staff_perms = set(staff.permissions.values_list("codename", flat=True))
    manager_perms = set(manager.permissions.values_list("codename", flat=True))
    assert {"view_customer", "change_customer"} <= staff_perms
    assert "export_customer" not in staff_perms
    assert {"export_customer", "import_customer", "view_sentemail"} <= manager_perms


def test_unknown_url_is_a_404_page_in_the_design(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page
    assert "clientela.css" in page


def test_admin_is_for_superusers_only(client, staff_user):
    client.force_login(staff_user)
    assert client.get("/admin/").status_code == 302
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get("/admin/").status_code == 200


def test_language_switcher_sets_the_language(client):
    response = client.post(
        "/i18n/language/", {"language": "es", "next": "/account/login/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/account/login/"
    page = client.get("/account/login/").content.decode()
    assert '<html lang="es">' in page
    assert "Iniciar sesión" in page


def test_language_switcher_refuses_an_unknown_language(client):
    response = client.post(
        "/i18n/language/", {"language": "xx", "next": "/account/login/"}, follow=True
    )
    assert response.status_code == 200
    assert "This language is not available." in response.content.decode()
    assert '<html lang="en">' in response.content.decode()


def test_language_switcher_refuses_an_outside_redirect(client):
    response = client.post(
        "/i18n/language/", {"language": "it", "next": "https://evil.example.com/"}
    )
    assert response["Location"] == "/"


def test_staff_language_choice_is_remembered(client, staff_user):
    client.force_login(staff_user)
    client.post("/i18n/language/", {"language": "it", "next": "/staff/"})
    staff_user.refresh_from_db()
    assert staff_user.language == "it"


def test_login_is_rate_limited(client, staff_user, settings):
    settings.AXES_ENABLED = True
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post("/staff/login/", {"username": staff_user.email, "password": "bad"})
    response = client.post(
        "/staff/login/", {"username": staff_user.email, "password": PASSWORD}
    )
    assert response.status_code == 429
    assert "Too many login attempts" in response.content.decode()


def test_home_page_shows_the_business_and_the_ways_in(client, settings):
    settings.CLIENTELA_BUSINESS_NAME = "Studio Neri"
    settings.CLIENTELA_SIGNUP_ENABLED = True
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Studio Neri</h1>" in page
    assert "<title>Studio Neri</title>" in page
    for url in ("/account/login/", "/account/signup/", "/staff/login/"):
        assert f'href="{url}"' in page
    assert 'class="language-switcher"' in page
    assert "<style" not in page and "style=" not in page


def test_home_page_without_sign_up_has_no_sign_up_link(client, settings):
    settings.CLIENTELA_SIGNUP_ENABLED = False
    page = client.get("/").content.decode()
    assert 'href="/account/login/"' in page
    assert "/account/signup/" not in page


def test_home_page_points_a_logged_in_customer_to_their_area(customer_client):
    page = customer_client.get("/").content.decode()
    assert 'href="/account/"' in page
    assert "/account/login/" not in page
    assert "/staff/" not in page


def test_home_page_points_staff_to_the_backoffice(staff_client):
    page = staff_client.get("/").content.decode()
    assert 'href="/staff/"' in page
    assert "/account/login/" not in page


def test_home_page_speaks_the_visitors_language(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="it")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="it">' in page
    assert "Accedi al tuo account" in page


def test_not_found_page_links_to_a_home_page_that_exists(client):
    page = client.get("/no/such/page/").content.decode()
    home = re.search(r'<a href="([^"]+)">Go to the home page</a>', page)
    assert home is not None
    assert client.get(home.group(1)).status_code == 200


def _served(client, url):
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else b""
    return response, body


def test_pages_link_an_icon_that_is_served(client):
    page = client.get("/account/login/").content.decode()
    icon = re.search(r'<link rel="icon" href="([^"]+)"', page)
    assert icon is not None
    response, body = _served(client, icon.group(1))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    assert body.startswith(b"<svg")


def test_favicon_ico_leads_to_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    icon, body = _served(client, response["Location"])
    assert icon.status_code == 200
    assert body.startswith(b"<svg")
