"""The site's URLs plus a JSON endpoint that fails on purpose, for the error tests."""

from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404, JsonResponse
from django.urls import path
from django.views import View

from config.urls import urlpatterns as site_urlpatterns
from core.json_api import JsonApiMixin

FAILURES = {
    "400": BadRequest,
    "403": PermissionDenied,
    "404": Http404,
    "500": RuntimeError,
}


class FailingApi(JsonApiMixin, View):
    http_method_names = ["get", "post"]

    def get(self, request, failure):
        raise FAILURES[failure]("internal detail that must not be shown")

    def post(self, request, failure):
        return JsonResponse({"ok": True})


class FailingPage(View):
    def get(self, request, failure):
        raise FAILURES[failure]("internal detail that must not be shown")


urlpatterns = [
    path("test-api/<str:failure>/", FailingApi.as_view()),
    path("test-page/<str:failure>/", FailingPage.as_view()),
    *site_urlpatterns,
]

handler400 = "core.views.error_400"
handler403 = "core.views.error_403"
handler404 = "core.views.error_404"
handler500 = "core.views.error_500"
