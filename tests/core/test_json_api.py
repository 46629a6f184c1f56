"""JSON endpoints answer errors in JSON, not with an HTML page (issue 10, item 12)."""

import pytest
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.json_urls")]


def assert_json_error(response, status):
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert isinstance(body["error"], str) and body["error"]
    assert "internal detail" not in response.content.decode()
    return body


@pytest.mark.parametrize("status", ["400", "403", "404", "500"])
def test_an_error_in_a_json_endpoint_is_json(status):
    client = Client(raise_request_exception=False)
    assert_json_error(client.get(f"/test-api/{status}/"), int(status))


@pytest.mark.parametrize("status", ["403", "404", "500"])
def test_an_error_in_a_page_stays_an_html_page(status):
    client = Client(raise_request_exception=False)
    response = client.get(f"/test-page/{status}/")
    assert response.status_code == int(status)
    assert response["Content-Type"].startswith("text/html")
    assert "clientela.css" in response.content.decode()


def test_a_method_a_json_endpoint_does_not_take_is_a_json_405(client):
    response = client.put("/test-api/404/")
    body = assert_json_error(response, 405)
    assert response["Allow"] == "GET, POST"
    assert "GET, POST" in body["error"]


def test_a_csrf_failure_on_a_json_endpoint_is_json():
    client = Client(enforce_csrf_checks=True)
    body = assert_json_error(client.post("/test-api/400/"), 403)
    assert "X-CSRFToken" in body["error"]


def test_a_csrf_failure_on_a_page_stays_djangos_page():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/i18n/language/", {"language": "it"})
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")


def test_an_unknown_url_is_json_for_a_client_that_accepts_only_json(client):
    assert_json_error(
        client.get("/no/such/api/", headers={"Accept": "application/json"}), 404
    )
    page = client.get("/no/such/api/", headers={"Accept": "text/html,*/*"})
    assert page["Content-Type"].startswith("text/html")
