"""URLs of the selling app: the backoffice's catalog and orders, the customer's shop."""

from selling import urls_account, urls_staff

app_name = "selling"

urlpatterns = [*urls_staff.urlpatterns, *urls_account.urlpatterns]
