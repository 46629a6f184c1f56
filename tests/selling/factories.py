"""Catalog and order factories for the selling tests.

``OrderFactory`` builds a pending order without a balance discount (no hold): an
order that touches the balance is placed through ``selling.services.order_place``
instead, as the ledger rows must come from the services.
"""

from decimal import Decimal

import factory

from selling.models import Order, OrderLine, Product
from tests.customers.factories import CustomerFactory


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Product {n}")
    description = ""
    price = Decimal("10.00")
    is_active = True


class ServiceProductFactory(ProductFactory):
    """A renewable product: one purchase lasts one year."""

    name = factory.Sequence(lambda n: f"Service {n}")
    renewal_period = 1
    renewal_unit = Product.PeriodUnit.YEARS


class OrderFactory(factory.django.DjangoModelFactory):
    """A pending bank-transfer order; ``lines`` builds one line per product given.

    ``OrderFactory(lines=[(product, 2)])`` sets the order's amounts from the lines;
    without ``lines`` the order has one line of a new product at ``subtotal``.
    """

    class Meta:
        model = Order
        skip_postgeneration_save = True

    customer = factory.SubFactory(CustomerFactory)
    status = Order.Status.PENDING
    payment_method = "bank_transfer"
    subtotal = Decimal("10.00")
    balance_discount = Decimal("0.00")
    total_due = factory.LazyAttribute(lambda o: o.subtotal - o.balance_discount)
    idempotency_key = factory.Sequence(lambda n: f"factory-order-{n}")

    @factory.post_generation
    def lines(self, create, extracted, **kwargs):
        if not create:
            return
        wanted = extracted or [(ProductFactory(price=self.subtotal), 1)]
        built = [
            OrderLine(
                order=self,
                product=product,
                product_name=product.name,
                quantity=quantity,
                unit_price=product.price,
                line_total=product.price * quantity,
            )
            for product, quantity in wanted
        ]
        OrderLine.objects.bulk_create(built)
        if extracted:
            subtotal = sum((line.line_total for line in built), Decimal("0.00"))
            self.subtotal = subtotal
            self.total_due = subtotal - self.balance_discount
            self.save(update_fields=["subtotal", "total_due", "updated_at"])
