"""URLs of the expirations app: the backoffice's pages and the customer area's."""

from expirations import urls_account, urls_staff

app_name = "expirations"

urlpatterns = [*urls_staff.urlpatterns, *urls_account.urlpatterns]
