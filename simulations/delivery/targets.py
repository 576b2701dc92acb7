"""Where crmsim may send: http(s) URLs whose every resolved address is public, unless private ones are allowed.

``CRMSIM_ALLOW_PRIVATE_SINKS`` (default: on while DEBUG, off otherwise) allows loopback, private, link-local and
other non-global addresses. ``check_target`` runs when a sink is saved and again before every delivery, after DNS
resolution, so a name that later resolves to 127.0.0.1 or 169.254.169.254 does not turn crmsim into a
server-side request forgery tool. (The HTTP client resolves again when it connects; a DNS answer that changes in
between is the remaining window, documented in docs/sinks.md.)
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings


class TargetRejected(ValueError):
    """The URL is not one crmsim may send to; the message says why."""


class TargetUnresolvable(TargetRejected):
    """The host does not resolve (now): a delivery retries, a sink being saved is refused."""


def check_url_shape(url: str) -> tuple[str, int]:
    """http(s), a host, no credentials; return (host, port). Raise TargetRejected otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetRejected(f"Not a valid URL: {exc}.") from None
    if parts.scheme not in ("http", "https"):
        raise TargetRejected("Must be an http:// or https:// URL.")
    if not parts.hostname:
        raise TargetRejected("The URL has no host.")
    if parts.username or parts.password:
        raise TargetRejected("Credentials in the URL are not allowed; use the sink's secret.")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


def check_target(url: str, *, allow_private: bool | None = None) -> list[str]:
    """Check the URL's shape and every address its host resolves to; return the addresses.

    Raise TargetRejected for a non-http(s) URL, an unresolvable host, or (unless allowed) a non-public address.
    """
    host, port = check_url_shape(url)
    allowed = settings.CRMSIM_ALLOW_PRIVATE_SINKS if allow_private is None else allow_private
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise TargetUnresolvable(f"Cannot resolve {host}: {exc}.") from None
    addresses = sorted({str(info[4][0]) for info in infos})
    if not allowed:
        for address in addresses:
            ip = ipaddress.ip_address(address.split("%")[0])
            if not ip.is_global or ip.is_multicast:
                raise TargetRejected(
                    f"{host} resolves to {address}, a private or loopback address; crmsim sends only to public "
                    "addresses unless CRMSIM_ALLOW_PRIVATE_SINKS is on."
                )
    return addresses
