import factory
from django.utils import timezone

from customers.models import Customer
from tests.core.factories import UserFactory


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    phone = factory.Faker("phone_number")
    city = factory.Faker("city")
    language = "en"


class CustomerWithLoginFactory(CustomerFactory):
    # Confirmed, so the login works (pass email_confirmed_at=None for one that waits).
    email_confirmed_at = factory.LazyFunction(timezone.now)
    user = factory.SubFactory(
        UserFactory,
        email=factory.SelfAttribute("..email"),
        first_name=factory.SelfAttribute("..first_name"),
    )
