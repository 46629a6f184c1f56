"""A real HTTP receiver on 127.0.0.1 (its own thread), the docs' snippet, and a
shortcut to subscribe."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from webhooks.services import subscription_create

DOC = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


def subscribe(url: str, events: list[str], user=None):
    return subscription_create(url=url, events=events, created_by=user)


def doc_verify_signature():
    """``verify_signature`` from the Python snippet in docs/webhooks.md, executed."""
    text = DOC.read_text()
    match = re.search(
        r"<!-- verify-snippet -->\s*```python\n(.*?)```\s*<!-- /verify-snippet -->",
        text,
        re.S,
    )
    assert match, "the verification snippet is missing from docs/webhooks.md"
    namespace: dict = {}
    exec(compile(match.group(1), str(DOC), "exec"), namespace)  # noqa: S102
    return namespace["verify_signature"]


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
