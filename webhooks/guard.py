"""The SSRF guard: where a webhook may be sent.

An endpoint's URL is given by an agency, so the request we make is theirs to
aim: without a guard it could reach our own database, Redis, the cloud's
metadata address or the office's intranet. Rules:

- `https://` only in production (WEBHOOKS_HTTPS_ONLY); no user:password in it;
- the address we connect to must be a public one: the host name is resolved
  when connecting and every address it resolves to is checked (private,
  loopback, link-local, shared, multicast, reserved and unspecified are
  refused, also when written as IPv4 inside IPv6), and the connection goes to
  the address that was checked, so DNS can't answer differently a moment later
  (rebinding). WEBHOOKS_ALLOW_PRIVATE turns this off for development and tests.

The URL is checked when an endpoint is registered (a readable refusal) and
the address on every connection (the only check that counts).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import httpcore
from django.conf import settings
from django.utils.translation import gettext as _

from common.errors import DomainError


class AddressRefused(httpcore.ConnectError):
    """The host resolved to an address we don't send to (counts as a failed try)."""


def url_check(url: str) -> str:
    """The URL as given, or a DomainError saying what is wrong with it."""
    url = (url or "").strip()
    parts = urlsplit(url)
    allowed = ("https",) if settings.WEBHOOKS_HTTPS_ONLY else ("https", "http")
    if parts.scheme not in allowed or not parts.hostname:
        raise DomainError(
            "bad_url",
            _("Give a full https:// address.")
            if settings.WEBHOOKS_HTTPS_ONLY
            else _("Give a full http:// or https:// address."),
            field="url",
        )
    if parts.username or parts.password:
        raise DomainError(
            "bad_url", _("The address can't carry a user name or password."), field="url"
        )
    try:
        parts.port  # noqa: B018 - raises on a port out of range
    except ValueError:
        raise DomainError("bad_url", _("The port is not valid."), field="url") from None
    if not settings.WEBHOOKS_ALLOW_PRIVATE:
        try:
            literal = ipaddress.ip_address(parts.hostname)
        except ValueError:
            literal = None
        if parts.hostname == "localhost" or (literal is not None and not is_public(literal)):
            raise DomainError(
                "private_address",
                _("This address is not reachable from the internet: give a public one."),
                field="url",
            )
    return url


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def public_addresses(host: str, port: int) -> list[str]:
    """Every address `host` resolves to, if all of them are public; else AddressRefused."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise httpcore.ConnectError(f"could not resolve the host ({exc.strerror})") from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    for address in addresses:
        if not is_public(ipaddress.ip_address(address.split("%")[0])):
            raise AddressRefused("refused: the host resolves to a private address")
    return addresses


class GuardedBackend(httpcore.SyncBackend):
    """httpcore's own socket backend, connecting only to checked public addresses
    (the TLS server name stays the URL's host: httpcore passes it separately)."""

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        if settings.WEBHOOKS_ALLOW_PRIVATE:
            return super().connect_tcp(host, port, timeout, local_address, socket_options)
        last_error = None
        for address in public_addresses(host, port):
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                last_error = exc
        raise last_error or httpcore.ConnectError("no address to connect to")
