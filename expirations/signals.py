"""Events other apps subscribe to, without the expirations app importing them.

``expiration_expired(sender=Expiration, expiration=expiration)``: the service ran out
without renewal. Sent once per expiration and expiry date, inside the transaction
that records the expiry (the daily job's batch), so a receiver's rows commit with
it. The automation module knows it by name as the trigger "expiration.expired".
"""

from django.dispatch import Signal

expiration_expired = Signal()
