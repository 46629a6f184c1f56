"""The setting that lets webhooks reach the tests' receiver on 127.0.0.1 (see
``tests.webhooks.support.receiver``), and a fresh subscription cache."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.webhooks.support import receiver  # noqa: F401 (a fixture)
from webhooks.services.subscriptions import (
    ACTIVE_TYPES_CACHE_KEY,
    ACTIVE_TYPES_CACHE_SECONDS,
)


@pytest.fixture(autouse=True)
def _private_urls_allowed(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    settings.WEBHOOKS_TIMEOUT = 5


@pytest.fixture(autouse=True)
def _fresh_subscription_cache():
    cache.delete(ACTIVE_TYPES_CACHE_KEY)
    yield
    # Left as a warm "nobody subscribes", the state the other apps' tests (and
    # their query counts) run in.
    cache.set(ACTIVE_TYPES_CACHE_KEY, frozenset(), ACTIVE_TYPES_CACHE_SECONDS)
