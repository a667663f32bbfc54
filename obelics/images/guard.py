"""A guard against fetching internal addresses (SSRF): refuse loopback, private, link-local, cloud-metadata,
reserved and multicast addresses (IPv4, IPv6, IPv4-mapped, 6to4 and NAT64 forms), and any scheme but http(s).

Two layers use it:
- before download, :func:`url_refusal` / :func:`check_url` refuse a URL whose host is, or resolves to, such an
  address (the images stage's URL step; ``guard_dns=false`` skips resolving names there, never the check of
  literal addresses);
- at every hop of a download, :meth:`Guard.checked_address` resolves the host once with :func:`resolve_host`,
  checks every address and returns the one to connect to: :class:`obelics.io.http.HttpClient` connects to that
  address itself, so a redirect or a DNS answer pointing inside is refused before any connection, and there is
  no second resolution to race with.

Only loopback can be allowed (for tests and the demo, which serve images from 127.0.0.1); private,
link-local and metadata addresses are refused even then.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

ALLOWED_SCHEMES = ("http", "https")
METADATA_HOSTS = frozenset(
    {
        "metadata.google.internal",
        "metadata.goog",
        "metadata",
        "instance-data",
        "instance-data.ec2.internal",
        "metadata.azure.internal",
    }
)
METADATA_IPS = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200", "169.254.169.123")
)
LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
REFUSAL_PREFIX = "obelics-guard"

Resolver = Callable[[str], list[str]]
SYSTEM_RESOLVER = "system"  # resolve with this module's resolve_host, looked up at each call (tests patch it)


class GuardError(ValueError):
    """A request the guard refused (``kind``: ``loopback``, ``private``, ..., or ``unresolved``); its message starts
    with ``obelics-guard``."""

    def __init__(self, reason: str, target: str) -> None:
        self.kind = reason
        self.reason = reason
        super().__init__(f"{REFUSAL_PREFIX}: {reason} ({target})")


def ip_refusal(ip: str | ipaddress.IPv4Address | ipaddress.IPv6Address, allow_loopback: bool = False) -> str | None:
    """Why this address must not be fetched (``loopback``, ``private``, ``metadata``, ...), or None when it is public."""
    try:
        addr = ipaddress.ip_address(str(ip).split("%", 1)[0])
    except ValueError:
        return "bad_address"
    if isinstance(addr, ipaddress.IPv6Address):
        for mapped in (addr.ipv4_mapped, addr.sixtofour):
            if mapped is not None:
                return ip_refusal(mapped, allow_loopback)
        if addr in ipaddress.ip_network("64:ff9b::/96"):  # NAT64: the embedded IPv4 address is the real target
            return ip_refusal(ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF), allow_loopback)
    if addr in METADATA_IPS:
        return "metadata"
    if addr.is_loopback:
        return None if allow_loopback else "loopback"
    if addr.is_unspecified:
        return "unspecified"
    if addr.is_link_local:
        return "link_local"
    if addr.is_multicast:
        return "multicast"
    if addr.is_private:
        return "private"
    if addr.is_reserved:
        return "reserved"
    if not addr.is_global:  # shared address space (100.64/10) and other special ranges
        return "not_global"
    return None


def resolve_host(host: str) -> list[str]:
    """Every address a host name resolves to (empty when it does not resolve)."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []
    return sorted({info[4][0] for info in infos})


def _numeric_host(host: str) -> list[str] | None:
    """Addresses of a host written as an address, in any form the C library accepts (``2130706433``,
    ``0x7f.1``, ``[::1]``), without asking DNS; None for a name."""
    try:
        infos = socket.getaddrinfo(host, None, flags=socket.AI_NUMERICHOST, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return None
    return sorted({info[4][0] for info in infos})


def host_refusal(
    host: str, allow_loopback: bool = False, resolver: Resolver | str | None = SYSTEM_RESOLVER
) -> str | None:
    """Why this host must not be fetched, or None. ``resolver=None`` checks names without DNS."""
    host = host.strip().strip("[]").rstrip(".").lower()
    if not host:
        return "no_host"
    if host in METADATA_HOSTS:
        return "metadata"
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return None if allow_loopback else "loopback"
    addrs = _numeric_host(host)
    if addrs is None:
        if resolver is None:
            return None
        addrs = resolve_host(host) if resolver == SYSTEM_RESOLVER else resolver(host)  # type: ignore[operator]
    for a in addrs:
        reason = ip_refusal(a, allow_loopback)
        if reason:
            return reason
    return None


def url_refusal(
    url: str,
    allow_loopback: bool = False,
    resolver: Resolver | str | None = SYSTEM_RESOLVER,
    cache: dict | None = None,
) -> str | None:
    """Why this URL must not be fetched (``scheme``, ``no_host``, ``loopback``, ``private``, ...), or None.

    ``cache`` (a dict) remembers answers per host, so each host is resolved once.
    """
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
    except ValueError:
        return "bad_url"
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        return "scheme"
    if cache is None:
        return host_refusal(host, allow_loopback, resolver)
    if host not in cache:
        cache[host] = host_refusal(host, allow_loopback, resolver)
    return cache[host]


def check_url(url: str, allow_loopback: bool = False, resolve: bool = True) -> None:
    """Raise :class:`GuardError` if the URL must not be fetched."""
    reason = url_refusal(url, allow_loopback, SYSTEM_RESOLVER if resolve else None)
    if reason:
        raise GuardError(reason, url)


@dataclass(frozen=True)
class Guard:
    """The check of one hop, just before it connects (see the module doc)."""

    allow_loopback: bool = False

    def checked_address(self, host: str) -> str:
        """The address to connect to for ``host``, after every address it resolves to passed the guard.

        Raises :class:`GuardError` (kind ``unresolved`` when the name does not resolve). Resolution goes through
        this module's :func:`resolve_host`, looked up at each call.
        """
        name = host.strip().strip("[]").rstrip(".").lower()
        if not name:
            raise GuardError("no_host", host)
        if name in METADATA_HOSTS:
            raise GuardError("metadata", host)
        if (name in LOOPBACK_NAMES or name.endswith(".localhost")) and not self.allow_loopback:
            raise GuardError("loopback", host)
        addrs = _numeric_host(name)  # an address written in any form: no lookup
        if addrs is None:
            addrs = resolve_host(name)
            if not addrs:
                raise GuardError("unresolved", host)
        for a in addrs:
            reason = ip_refusal(a, self.allow_loopback)
            if reason:
                raise GuardError(reason, f"{host} -> {a}")
        v4 = [a for a in addrs if ":" not in a]
        return (v4 or addrs)[0].split("%", 1)[0]
