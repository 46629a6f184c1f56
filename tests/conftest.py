import pytest
from django.test.utils import override_settings


@pytest.fixture(autouse=True, scope="session")
def _static_files_from_sources():
    """Serve static files from the source folders: the tests need no collectstatic."""
    override = override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {
                "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
            },
        },
        WHITENOISE_USE_FINDERS=True,
        WHITENOISE_AUTOREFRESH=True,
        # Login rate limiting is switched on by the tests about it.
        AXES_ENABLED=False,
        ALLOWED_HOSTS=["testserver", "localhost", "127.0.0.1"],
    )
    override.enable()
    yield
    override.disable()


@pytest.fixture
def staff_user(db):
    from tests.core.factories import StaffFactory

    return StaffFactory(groups=["Staff"])


@pytest.fixture
def manager_user(db):
    from tests.core.factories import StaffFactory

    return StaffFactory(groups=["Manager"])


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def customer(db):
    from tests.customers.factories import CustomerWithLoginFactory

    return CustomerWithLoginFactory()


@pytest.fixture
def customer_client(client, customer):
    client.force_login(customer.user)
    return client


@pytest.fixture(autouse=True)
def _english_after_each_test():
    """A test that switches language (a request in Italian) does not leak it."""
    from django.utils import translation

    yield
    translation.deactivate()
