from importlib.util import find_spec

from django.apps import apps
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from core.views import FaviconView, LanguageSetView

urlpatterns = [
    path("", include("core.urls")),
    path("", include("customers.urls")),
    path("account/", include("customers.account_urls")),
    path("", include("selling.urls")),
    path("i18n/language/", LanguageSetView.as_view(), name="set_language"),
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
    path("admin/", admin.site.urls),
]

# Each plug-in module brings its own pages (staff and customer area) when installed.
for module in settings.PLUGIN_MODULES:
    if apps.is_installed(module) and find_spec(f"{module}.urls") is not None:
        urlpatterns.append(path("", include(f"{module}.urls")))

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler400 = "core.views.error_400"
handler403 = "core.views.error_403"
handler404 = "core.views.error_404"
handler500 = "core.views.error_500"
