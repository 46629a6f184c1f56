"""Events other apps subscribe to, without the selling app importing them.

Both are sent inside the transaction that changes the order, once per change:
a receiver's rows commit (or roll back) together with the order's new status, so
a receiver never sees a payment that did not happen, and never misses one. A
receiver must not send e-mails directly (``core.services.email_queue`` waits for
the commit) and must be idempotent all the same.

``order_paid(sender=Order, order=order)``: the order has just become paid.
``order_refunded(sender=Order, order=order)``: a paid order has just been refunded.
"""

from django.dispatch import Signal

order_paid = Signal()
order_refunded = Signal()
