"""The API's writes: keys (create, revoke, authenticate, rate limit) and the
idempotency of its POST requests."""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from api.models import ApiKey, IdempotentRequest, Scope
from core.automation_events import automation_event_send

KEY_START = "clt_"
LAST_USED_EVERY = timedelta(minutes=1)
RATE_WINDOW_SECONDS = 60


def _secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class CreatedKey:
    api_key: ApiKey
    # The whole key, to show once: it is not stored.
    secret: str


@transaction.atomic(durable=True)
def api_key_create(*, name: str, scopes: list[str], created_by) -> CreatedKey:
    """Makes a key with these scopes; its secret is returned here and nowhere else."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the key a name.")}, code="required")
    unknown = set(scopes) - set(Scope.values)
    if unknown:
        raise ValidationError(
            {"scopes": _("Unknown scopes: %(scopes)s") % {"scopes": ", ".join(unknown)}}
        )
    if not scopes:
        raise ValidationError(
            {"scopes": _("Pick at least one thing the key may do.")}, code="required"
        )
    prefix = secrets.token_hex(4)
    while ApiKey.objects.filter(prefix=prefix).exists():
        prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    api_key = ApiKey.objects.create(
        name=name,
        prefix=prefix,
        secret_hash=_secret_hash(secret),
        scopes=[scope for scope in Scope.values if scope in scopes],
        created_by=created_by,
    )
    return CreatedKey(api_key=api_key, secret=f"{KEY_START}{prefix}_{secret}")


# The demo key of ``seed_demo``: fixed and public, like the demo passwords, so the
# README's examples run against ``make run``'s demo data. A local demo only.
DEMO_KEY_PREFIX = "demo"  # never a generated prefix: those are hexadecimal
DEMO_KEY_SECRET = "local-demo-only-never-production"
DEMO_KEY = f"{KEY_START}{DEMO_KEY_PREFIX}_{DEMO_KEY_SECRET}"


@transaction.atomic(durable=True)
def api_key_demo_ensure() -> ApiKey:
    """The demo key with every scope (created if missing). A revoked demo key
    stays revoked: someone meant it."""
    api_key, created = ApiKey.objects.select_for_update().get_or_create(
        prefix=DEMO_KEY_PREFIX,
        defaults={
            "name": "Demo key (local demo only)",
            "secret_hash": _secret_hash(DEMO_KEY_SECRET),
            "scopes": list(Scope.values),
        },
    )
    if not created and api_key.is_active:
        api_key.secret_hash = _secret_hash(DEMO_KEY_SECRET)
        api_key.scopes = list(Scope.values)
        api_key.save(update_fields=["secret_hash", "scopes"])
    return api_key


@transaction.atomic(durable=True)
def api_key_revoke(*, api_key_id: int, revoked_by) -> ApiKey:
    """Revokes the key (its next request gets 401); a second revoke changes nothing."""
    api_key = ApiKey.objects.select_for_update().get(pk=api_key_id)
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.revoked_by = revoked_by
        api_key.save(update_fields=["revoked_at", "revoked_by"])
    return api_key


def api_key_authenticate(presented: str) -> ApiKey | None:
    """The active key whose secret is ``presented``, or ``None``.

    The row is found by its prefix, then the secret's hash is compared in constant
    time. Records the use (at most once a minute, so a busy key writes rarely).
    """
    if not presented.startswith(KEY_START):
        return None
    prefix, separator, secret = presented[len(KEY_START) :].partition("_")
    if not separator or not prefix or not secret or len(prefix) > 16:
        return None
    api_key = ApiKey.objects.filter(prefix=prefix, revoked_at__isnull=True).first()
    if api_key is None or not hmac.compare_digest(
        api_key.secret_hash, _secret_hash(secret)
    ):
        return None
    now = timezone.now()
    if api_key.last_used_at is None or api_key.last_used_at <= now - LAST_USED_EVERY:
        ApiKey.objects.filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_EVERY),
            pk=api_key.pk,
        ).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key


def api_key_rate_limited(api_key: ApiKey) -> int:
    """Counts one request of the key in this minute (a fixed window in the cache).

    Returns 0 when the request may go on, else the seconds until the next window
    (the ``Retry-After``).
    """
    now = time.time()
    window = int(now // RATE_WINDOW_SECONDS)
    count = _window_count(f"api:rate:{api_key.pk}:{window}")
    if count <= settings.API_RATE_LIMIT:
        return 0
    return max(1, math.ceil((window + 1) * RATE_WINDOW_SECONDS - now))


def _window_count(cache_key: str) -> int:
    """Adds one to the window's counter and returns it.

    With Redis that is one round trip (INCR and EXPIRE in a pipeline): Django's
    ``add`` then ``incr`` took three (SET NX, EXISTS, INCR) on every request. Other
    caches: ``incr``, and ``add`` when the window is new.
    """
    timeout = RATE_WINDOW_SECONDS * 2
    backend = caches[DEFAULT_CACHE_ALIAS]  # ``cache`` is a proxy: no isinstance
    if isinstance(backend, RedisCache):
        key = backend.make_and_validate_key(cache_key)
        client = backend._cache.get_client(key, write=True)  # type: ignore[attr-defined]
        pipeline = client.pipeline(transaction=False)
        pipeline.incr(key)
        pipeline.expire(key, timeout)
        count, _expiry_set = pipeline.execute()
        return int(count)
    try:
        return cache.incr(cache_key)
    except ValueError:  # the window's first request
        if cache.add(cache_key, 1, timeout=timeout):
            return 1
        return cache.incr(cache_key)  # another request created it meanwhile


@dataclass(frozen=True)
class Answer:
    """What an endpoint answers: a status and a JSON body."""

    status: int
    body: Any
    replayed: bool = False


class IdempotencyConflict(Exception):
    """The key was used for a different request."""


def request_hash(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


@transaction.atomic(durable=True)
def idempotent_run(
    *, api_key: ApiKey, key: str, digest: str, run: Callable[[], Answer]
) -> Answer:
    """Answers the request once per (key, ``key``): ``run()`` the first time, in
    this transaction, and its stored answer afterwards.

    Two identical requests at the same moment: the second one's INSERT waits on the
    unique index for the first to commit, then finds and replays its answer. Only an
    answer is stored: if ``run`` raises, nothing is kept and the key can be retried.
    """
    record_id = _idempotent_claim(api_key_id=api_key.pk, key=key, digest=digest)
    if record_id is None:
        record = IdempotentRequest.objects.select_for_update().get(
            api_key=api_key, key=key
        )
        if not hmac.compare_digest(record.request_hash, digest):
            raise IdempotencyConflict
        return Answer(record.response_status, record.response_body, replayed=True)
    answer = run()
    IdempotentRequest.objects.filter(pk=record_id).update(
        response_status=answer.status, response_body=answer.body
    )
    return answer


IDEMPOTENT_CLAIM_SQL = (
    'INSERT INTO "api_idempotentrequest" ("api_key_id", "key", "request_hash", '
    '"response_status", "response_body", "created_at") '
    "VALUES (%s, %s, %s, 0, {body}, %s) "
    'ON CONFLICT ("api_key_id", "key") DO NOTHING RETURNING "id"'
)


def _idempotent_claim(*, api_key_id: int, key: str, digest: str) -> int | None:
    """Inserts the request's row and returns its id; ``None`` if the key is taken.

    One round trip (INSERT ... ON CONFLICT DO NOTHING RETURNING, on PostgreSQL and
    SQLite ≥ 3.35) where ``get_or_create`` took four (SELECT, SAVEPOINT, INSERT,
    RELEASE). A concurrent INSERT of the same key waits for the first transaction:
    committed, this one gets ``None`` and replays it; rolled back, this one inserts.
    """
    body = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
    with connection.cursor() as cursor:
        cursor.execute(
            IDEMPOTENT_CLAIM_SQL.format(body=body),
            [
                api_key_id,
                key,
                digest,
                "{}",
                connection.ops.adapt_datetimefield_value(timezone.now()),
            ],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def idempotency_purge(*, now=None) -> int:
    """Forgets the keys older than ``API_IDEMPOTENCY_KEEP_HOURS``; returns how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.API_IDEMPOTENCY_KEEP_HOURS)
    deleted, _by_model = IdempotentRequest.objects.filter(
        created_at__lt=cutoff
    ).delete()
    return deleted


# --- Custom events: POST /api/v1/events fires the funnel trigger "api.event" ---

# One registered trigger for every event name: the name is its parameter (see
# ``api.plugins``), so the funnel editor, the funnels' JSON and goals need nothing
# new; staff read it as "api.<name>".
EVENT_TRIGGER = "api.event"
EVENT_NAME_MAX = 64
EVENT_NAME_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$"
EVENT_DATA_MAX_BYTES = 16 * 1024
EVENT_ID_MAX = 100
# An occurrence longer than this is keyed by its hash (the run's key is bounded).
_OCCURRENCE_KEPT = 80

event_name_message = gettext_lazy(
    "An event name is lowercase letters, digits and underscores, parts separated "
    "by dots, starting with a letter, e.g. order_shipped or invoice.paid."
)


@dataclass(frozen=True)
class SentEvent:
    event: str
    customer_id: int
    entry_key: str

    @property
    def trigger_name(self) -> str:
        return f"api.{self.event}"


def event_matches(params: dict[str, Any], payload: dict[str, Any]) -> bool:
    """A funnel (or goal) on "api.event" waits for one event name."""
    return bool(params.get("event")) and params.get("event") == payload.get("event")


@transaction.atomic
def api_event_send(
    *,
    api_key: ApiKey,
    event: str,
    customer_id: int,
    occurrence: str,
    data: dict[str, Any],
) -> SentEvent:
    """Fires the trigger for ``event`` on the customer, in the caller's transaction.

    ``occurrence`` names this happening of the event (the caller's id for it, or
    the request's Idempotency-Key): sent twice, it enrols the customer once.
    Not durable: the API runs it inside the request's idempotent transaction.
    """
    if len(event) > EVENT_NAME_MAX or not re.fullmatch(EVENT_NAME_PATTERN, event):
        raise ValidationError(
            {
                "event": ValidationError(
                    _("%(message)s At most %(max)s characters.")
                    % {"message": event_name_message, "max": EVENT_NAME_MAX},
                    code="event_invalid",
                )
            }
        )
    if not isinstance(data, dict):
        raise ValidationError(
            {
                "data": ValidationError(
                    _("Send data as a JSON object."), code="data_invalid"
                )
            }
        )
    size = len(json.dumps(data, separators=(",", ":")).encode())
    if size > EVENT_DATA_MAX_BYTES:
        raise ValidationError(
            {
                "data": ValidationError(
                    _(
                        "The data is too large: at most %(max)s bytes of JSON "
                        "(%(size)s sent)."
                    )
                    % {"max": EVENT_DATA_MAX_BYTES, "size": size},
                    code="data_too_large",
                )
            }
        )
    occurrence = occurrence.strip()
    if not occurrence:
        raise ValidationError(
            {
                "id": ValidationError(
                    _("Name the event's occurrence."), code="id_invalid"
                )
            }
        )
    if len(occurrence) > _OCCURRENCE_KEPT:
        occurrence = "h" + hashlib.sha256(occurrence.encode()).hexdigest()[:40]
    entry_key = f"api.{event}:{occurrence}"
    automation_event_send(
        EVENT_TRIGGER,
        customer_id=customer_id,
        entry_key=entry_key,
        payload={"event": event, "data": data, "api_key": api_key.prefix},
    )
    return SentEvent(event=event, customer_id=customer_id, entry_key=entry_key)
