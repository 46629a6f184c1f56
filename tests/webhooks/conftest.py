"""A real HTTP receiver on 127.0.0.1 (its own thread), and the setting that lets
webhooks reach it."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.cache import cache

from webhooks.services.subscriptions import (
    ACTIVE_TYPES_CACHE_KEY,
    ACTIVE_TYPES_CACHE_SECONDS,
)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Answers the statuses in ``script`` in turn (then 200), recording requests."""

    url: str
    script: list[int] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)


@pytest.fixture
def receiver():
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            length = int(self.headers.get("Content-Length", 0))
            state.requests.append(
                Received(self.path, dict(self.headers.items()), self.rfile.read(length))
            )
            status = state.script.pop(0) if state.script else 200
            body = b"ok" if status < 300 else b"receiver is down"
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/clientela"
    yield state
    server.shutdown()
    server.server_close()
    thread.join(5)


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
