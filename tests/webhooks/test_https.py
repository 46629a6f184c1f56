"""HTTPS through the pinned connection: the certificate is checked for the URL's
host, though the socket goes to the address checked before the send."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from core.events import Event, events_publish
from tests.webhooks.support import subscribe
from webhooks.models import Delivery
from webhooks.services import deliveries_send_due

pytestmark = [pytest.mark.django_db, pytest.mark.both_dbs]


def _certificate(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file = tmp_path / "cert.pem"
    key_file = tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture
def https_receiver(tmp_path):
    cert_file, key_file = _certificate(tmp_path)
    received: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            received.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}/hook", cert_file, received
    server.shutdown()
    server.server_close()


def test_https_checks_the_certificate(https_receiver, monkeypatch):
    url, cert_file, received = https_receiver
    subscribe(url, ["order.paid"])
    events_publish([Event("order.paid", key="o1", data={"order_id": 1})])

    # Not signed by a trusted authority: refused, nothing received.
    assert deliveries_send_due().retrying == 1
    delivery = Delivery.objects.get()
    assert "CERTIFICATE_VERIFY_FAILED" in delivery.last_error
    assert received == []

    # Trusted: delivered over TLS.
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    Delivery.objects.update(due_at=delivery.created_at)
    assert deliveries_send_due().delivered == 1
    assert len(received) == 1 and b'"order.paid"' in received[0]
