"""/api/docs/ (Swagger UI from our static files) runs under the
Content-Security-Policy with no violation and no console error."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_content_security_policy import Recorder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_api_docs_run_under_the_policy(browser, live_server):
    visitor = Recorder(browser, live_server)
    requested: list[str] = []
    visitor.page.on("request", lambda request: requested.append(request.url))
    visitor.visit("/api/docs/")
    expect(visitor.page.get_by_text("/api/v1/customers/{ref}/credit")).to_be_visible()
    visitor.context.close()
    assert visitor.problems == []
    assert all(url.startswith(live_server.url) for url in requested), requested
