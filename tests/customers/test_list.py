import pytest

from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("page", "status"), [("abc", 200), ("0", 200), ("99", 404)])
def test_customer_list_bad_page_numbers(staff_client, page, status):
    CustomerFactory()
    response = staff_client.get(f"/staff/customers/?page={page}")
    assert response.status_code == status
