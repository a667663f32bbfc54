"""A guard against fetching internal addresses (SSRF): refuse loopback, private, link-local, cloud-metadata,
reserved and multicast addresses, and any scheme but http(s).

Two layers use it:
- before download, :func:`check_url` refuses a URL whose host is, or resolves to, such an address;
- during download, :func:`build_opener` gives a urllib opener that checks every redirect target and the
  address every connection really reached (so redirects and DNS answers that change after the first check
  are refused too). img2dataset downloads with ``urllib.request.urlopen``, so installing this opener in its
  worker processes guards all its requests.

Only loopback can be allowed (for tests and the demo, which serve images from 127.0.0.1); private,
link-local and metadata addresses are refused even then.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import urllib.error
import urllib.request
from collections.abc import Callable
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


class GuardError(urllib.error.URLError):
    """A request the guard refused; its message starts with ``obelics-guard``."""

    def __init__(self, reason: str, target: str) -> None:
        self.kind = reason
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


def host_refusal(host: str, allow_loopback: bool = False, resolver: Resolver | None = resolve_host) -> str | None:
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
        addrs = resolver(host)
    for a in addrs:
        reason = ip_refusal(a, allow_loopback)
        if reason:
            return reason
    return None


def url_refusal(
    url: str, allow_loopback: bool = False, resolver: Resolver | None = resolve_host, cache: dict | None = None
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
    reason = url_refusal(url, allow_loopback, resolve_host if resolve else None)
    if reason:
        raise GuardError(reason, url)


# ---- the download-time layer: a urllib opener ------------------------------------------------------


def _guarded_create_connection(allow_loopback: bool):
    def create_connection(address, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source_address=None, **kwargs):  # noqa: SLF001
        host = address[0]
        reason = host_refusal(host, allow_loopback, resolver=None)  # names such as metadata.google.internal
        if reason:
            raise GuardError(reason, str(host))
        sock = socket.create_connection(address, timeout, source_address, **kwargs)
        try:
            peer = sock.getpeername()[0]
        except OSError:
            sock.close()
            raise
        reason = ip_refusal(peer, allow_loopback)
        if reason:
            sock.close()
            raise GuardError(reason, f"{host} -> {peer}")
        return sock

    return create_connection


class _GuardedHTTPConnection(http.client.HTTPConnection):
    guard_allow_loopback = False
    guard_peer = True

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.guard_peer:
            self._create_connection = _guarded_create_connection(self.guard_allow_loopback)


class _GuardedHTTPSConnection(http.client.HTTPSConnection):
    guard_allow_loopback = False
    guard_peer = True

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.guard_peer:
            self._create_connection = _guarded_create_connection(self.guard_allow_loopback)


def _connection_class(base: type, allow_loopback: bool, proxied: bool) -> type:
    # Through a proxy the socket's peer is the proxy, not the target: then only names and redirects are checked.
    return type(base.__name__, (base,), {"guard_allow_loopback": allow_loopback, "guard_peer": not proxied})


def _proxied(req: urllib.request.Request) -> bool:
    return bool(req.has_proxy() or getattr(req, "_tunnel_host", None))


class GuardedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, allow_loopback: bool = False) -> None:
        super().__init__()
        self.allow_loopback = allow_loopback

    def http_open(self, req):
        return self.do_open(_connection_class(_GuardedHTTPConnection, self.allow_loopback, _proxied(req)), req)


class GuardedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, allow_loopback: bool = False) -> None:
        super().__init__()
        self.allow_loopback = allow_loopback

    def https_open(self, req):
        return self.do_open(
            _connection_class(_GuardedHTTPSConnection, self.allow_loopback, _proxied(req)), req, context=self._context
        )


class GuardedRedirectHandler(urllib.request.HTTPRedirectHandler):
    """Follows redirects only to http(s) URLs the guard accepts (urllib alone would also follow ftp)."""

    def __init__(self, allow_loopback: bool = False) -> None:
        super().__init__()
        self.allow_loopback = allow_loopback

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        reason = url_refusal(newurl, self.allow_loopback, resolver=None)
        if reason:
            raise GuardError(f"redirect_{reason}", newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def build_opener(allow_loopback: bool = False) -> urllib.request.OpenerDirector:
    """A urllib opener for http(s) only whose every connection and redirect passes the guard."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),
        urllib.request.UnknownHandler(),
        GuardedHTTPHandler(allow_loopback),
        GuardedHTTPSHandler(allow_loopback),
        urllib.request.HTTPDefaultErrorHandler(),
        GuardedRedirectHandler(allow_loopback),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener
