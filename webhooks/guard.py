"""Where a webhook may be sent: ``https`` to a public address.

The host is resolved and every address checked when the URL is saved AND before
each send, and the request then goes to the address that was checked (the
connection is pinned), so a name that resolves to a public address at save time
and to 127.0.0.1 later (DNS rebinding) is refused. Private, loopback,
link-local, reserved and multicast addresses are allowed only with the setting
``WEBHOOKS_ALLOW_PRIVATE_URLS`` (the tests' receiver on 127.0.0.1), and plain
``http`` only with it or with ``DEBUG``.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (``address``) and what to ask for."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def _private_allowed() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_PRIVATE_URLS", False))


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def url_check(url: str) -> Target:
    """The URL's target, or ``ValidationError`` saying why it may not be used."""
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port
    except ValueError as error:
        raise ValidationError(
            _("This URL is not valid."), code="invalid_url"
        ) from error
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(
            _("Enter a full URL starting with https://."), code="invalid_url"
        )
    if scheme != "https" and not (settings.DEBUG or _private_allowed()):
        raise ValidationError(
            _("The URL must start with https:// (the events are sent encrypted)."),
            code="https_required",
        )
    if parts.username or parts.password:
        raise ValidationError(
            _("Remove the user name and password from the URL."), code="credentials"
        )
    host = parts.hostname
    port = port or (443 if scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise ValidationError(
            _("The host “%(host)s” could not be found.") % {"host": host},
            code="unknown_host",
        ) from error
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise ValidationError(
            _("The host “%(host)s” could not be found.") % {"host": host},
            code="unknown_host",
        )
    if not _private_allowed():
        refused = [address for address in addresses if not _public(address)]
        if refused:
            raise ValidationError(
                _(
                    "“%(host)s” points to a private or local address (%(address)s): "
                    "webhooks are sent only to public addresses."
                )
                % {"host": host, "address": refused[0]},
                code="private_address",
            )
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme, host, port, path, addresses[0])


class PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to the checked address, whatever the name resolves to now."""

    def __init__(self, target: Target, *, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self.address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to the checked address; the certificate is checked for the host name."""

    def __init__(self, target: Target, *, timeout: float):
        self.tls = ssl.create_default_context()
        super().__init__(target.host, target.port, timeout=timeout, context=self.tls)
        self.address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)


def connection_open(target: Target, *, timeout: float) -> http.client.HTTPConnection:
    if target.scheme == "https":
        return PinnedHTTPSConnection(target, timeout=timeout)
    return PinnedHTTPConnection(target, timeout=timeout)
