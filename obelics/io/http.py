"""The project's one HTTP client: pooled connections, timeouts, retries with backoff, a per-host rate limit and,
when asked, the internal-address guard on every hop.

Used by WARC range requests (:mod:`obelics.io.pointers`), the opt-out service client (:mod:`obelics.optout.api`)
and image downloads (:mod:`obelics.images.download`).

- :class:`HttpClient` sends one request and follows redirects itself (never urllib3), each hop through the same
  path: with a :class:`~obelics.images.guard.Guard`, the host name is resolved (``guard.resolve_host``), every
  address is checked, and the connection goes to the checked address itself, the name travelling only in the
  ``Host`` header and as the TLS server name (SNI and certificate check): no second resolution can reach an
  address that was not checked. A redirect to anything but http(s) (``file://``, ``ftp://``, ...) is refused
  with reason ``guard_refused``, guard or not.
- Failures come back as :class:`HttpError` with a short ``reason`` (``timeout``, ``connection_error``,
  ``connection_refused``, ``dns``, ``ssl``, ``guard_refused``, ``too_many_redirects``, ``http_503``, ...) decided
  from the exception types and status codes, and a ``transient`` flag (worth retrying).
- :class:`RetryPolicy` retries transient failures with exponential backoff (jitter optional), honouring
  ``Retry-After``; :class:`HostRateLimiter` spaces requests to each host.

Without a guard the client connects by name through urllib3 (the user's own endpoints and mirrors: a
Common Crawl base URL, an opt-out service); proxies are not used.
"""

from __future__ import annotations

import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import urllib3

from obelics.images import guard as _guard

T = TypeVar("T")

RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
REDIRECT_STATUS = frozenset({301, 302, 303, 307, 308})
DEFAULT_PORTS = {"http": 80, "https": 443}


class HttpError(Exception):
    """A request that failed. ``reason`` is a short stats key; ``transient``: the same request may succeed later."""

    def __init__(
        self,
        reason: str,
        *,
        transient: bool = False,
        detail: str = "",
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.transient = transient
        self.detail = detail
        self.status = status
        self.retry_after = retry_after


@dataclass
class Response:
    """A final (non-redirect) answer: status, headers, the body read (up to the read limit) and the URL it came from."""

    url: str
    status: int
    headers: Any
    body: bytes
    redirects: int = 0


# ---- retries and pacing ---------------------------------------------------------------------------------


def retry_after_seconds(value: str | None) -> float | None:
    """A ``Retry-After`` header in seconds (dates are ignored)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


@dataclass(frozen=True)
class RetryPolicy:
    """Retry transient :class:`HttpError` up to ``retries`` times, waiting ``backoff * 2**attempt`` seconds (times a
    random factor in [0.5, 1.5) when ``jitter``), at most ``max_backoff``, or what ``Retry-After`` asks up to that cap."""

    retries: int = 0
    backoff: float = 0.5
    max_backoff: float = 60.0
    jitter: bool = True

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        d = min(self.max_backoff, self.backoff * (2**attempt))
        if self.jitter:
            d *= 0.5 + random.random()
        if retry_after is not None:
            d = min(self.max_backoff, max(d, retry_after))
        return d

    def call(
        self,
        fn: Callable[[], T],
        *,
        sleep: Callable[[float], None] = time.sleep,
        on_retry: Callable[[HttpError, int, float], None] | None = None,
    ) -> T:
        """``fn()``, retried on transient :class:`HttpError`; the last error is raised when the retries are spent."""
        attempt = 0
        while True:
            try:
                return fn()
            except HttpError as e:
                if not e.transient or attempt >= self.retries:
                    raise
                wait = self.delay(attempt, e.retry_after)
                if on_retry is not None:
                    on_retry(e, attempt, wait)
                sleep(wait)
                attempt += 1


class HostRateLimiter:
    """At most ``rate`` requests per second to each host (0: no limit); thread-safe."""

    def __init__(self, rate: float, sleep: Callable[[float], None] = time.sleep) -> None:
        self.interval = 1.0 / rate if rate and rate > 0 else 0.0
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()
        self._sleep = sleep

    def wait(self, host: str) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            t = max(now, self._next.get(host, 0.0))
            self._next[host] = t + self.interval
        if t > now:
            self._sleep(t - now)


# ---- the client -----------------------------------------------------------------------------------------


@dataclass
class _Target:
    """Where one hop connects: a pool key, the path to ask and the Host header."""

    scheme: str
    host: str  # the name (or literal) of the URL
    address: str  # what the socket connects to: the checked address with a guard, else the name
    port: int
    path: str
    headers: dict[str, str] = field(default_factory=dict)


class HttpClient:
    """Requests with timeouts, redirects followed through the guard, retries and a per-host rate limit.

    ``guard``: a :class:`~obelics.images.guard.Guard` checking every hop before it connects (None: no check).
    ``timeout``: seconds for the connection and for each read. ``max_redirects``: hops before
    ``too_many_redirects``. Thread-safe; connections are pooled per host (at most ``max_pools`` hosts kept).
    """

    def __init__(
        self,
        *,
        guard: _guard.Guard | None = None,
        timeout: float = 30.0,
        connect_timeout: float | None = None,
        retry: RetryPolicy = RetryPolicy(),
        rate_limit: float = 0.0,
        user_agent: str = "obelics",
        headers: dict[str, str] | None = None,
        max_redirects: int = 10,
        pool_size: int = 16,
        max_pools: int = 256,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.guard = guard
        self.timeout = urllib3.Timeout(connect=min(timeout, connect_timeout or timeout), read=timeout)
        self.retry = retry
        self.limiter = HostRateLimiter(rate_limit, sleep)
        self.headers = {"User-Agent": user_agent, **(headers or {})}
        self.max_redirects = max(0, int(max_redirects))
        self.pool_size = max(1, int(pool_size))
        self.max_pools = max(1, int(max_pools))
        self._sleep = sleep
        self._pools: OrderedDict[tuple, urllib3.HTTPConnectionPool] = OrderedDict()
        self._lock = threading.Lock()

    # -- public ----------------------------------------------------------------------------------------
    def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
        read_limit: int | None = None,
        on_retry: Callable[[HttpError, int, float], None] | None = None,
    ) -> Response:
        """Send a request, following redirects and retrying transient failures (429, 5xx, timeouts, dropped
        connections) as the client's :class:`RetryPolicy` says. Returns the final answer whatever its status
        (a retryable status left after the retries raises :class:`HttpError`). ``read_limit``: read at most this
        many bytes of the body, then drop the connection."""
        return self.retry.call(
            lambda: self.request_once(method, url, headers=headers, body=body, read_limit=read_limit),
            sleep=self._sleep,
            on_retry=on_retry,
        )

    def request_once(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
        read_limit: int | None = None,
    ) -> Response:
        """One attempt: the request and its redirects, no retry."""
        hops = 0
        while True:
            r = self._hop(method, url, headers, body)
            try:
                if r.status in REDIRECT_STATUS and r.headers.get("Location"):
                    target = urljoin(url, r.headers["Location"].strip())
                    hops += 1
                    if hops > self.max_redirects:
                        raise HttpError("too_many_redirects", detail=f"{hops - 1} redirects from {url}")
                    if urlsplit(target).scheme.lower() not in _guard.ALLOWED_SCHEMES:
                        raise HttpError("guard_refused", detail=f"redirect_scheme ({target})")
                    if r.status == 303 or (r.status in (301, 302) and method == "POST"):
                        method, body = "GET", None
                    url = target
                    continue
                if r.status in RETRY_STATUS:
                    raise HttpError(
                        f"http_{r.status}",
                        transient=True,
                        status=r.status,
                        detail=url,
                        retry_after=retry_after_seconds(r.headers.get("Retry-After")),
                    )
                return Response(url, r.status, r.headers, _read(r, read_limit, url), hops)
            finally:
                _release(r)

    def get(self, url: str, **kw: Any) -> Response:
        return self.request("GET", url, **kw)

    def close(self) -> None:
        with self._lock:
            for pool in self._pools.values():
                pool.close()
            self._pools.clear()

    # -- one hop ---------------------------------------------------------------------------------------
    def _target(self, url: str) -> _Target:
        try:
            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            host = parts.hostname or ""
            port = parts.port or DEFAULT_PORTS.get(scheme, 0)
        except ValueError as e:
            raise HttpError("bad_url", detail=f"{url}: {e}") from None
        if scheme not in _guard.ALLOWED_SCHEMES:
            raise HttpError("guard_refused" if self.guard else "bad_url", detail=f"scheme ({url})")
        if not host:
            raise HttpError("bad_url", detail=f"no host ({url})")
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        address = self.guard.checked_address(host) if self.guard else host
        netloc = f"[{host}]" if ":" in host else host
        host_header = netloc if port == DEFAULT_PORTS[scheme] else f"{netloc}:{port}"
        return _Target(scheme, host, address, port, path, {"Host": host_header})

    def _pool(self, t: _Target) -> urllib3.HTTPConnectionPool:
        key = (t.scheme, t.address, t.port, t.host)
        with self._lock:
            pool = self._pools.get(key)
            if pool is not None:
                self._pools.move_to_end(key)
                return pool
            kw: dict[str, Any] = {"maxsize": self.pool_size, "block": False, "timeout": self.timeout, "retries": False}
            if t.scheme == "https":
                pool = urllib3.HTTPSConnectionPool(
                    t.address, t.port, server_hostname=t.host, assert_hostname=t.host, **kw
                )
            else:
                pool = urllib3.HTTPConnectionPool(t.address, t.port, **kw)
            self._pools[key] = pool
            while len(self._pools) > self.max_pools:
                _, old = self._pools.popitem(last=False)
                old.close()
            return pool

    def _hop(self, method: str, url: str, headers: dict[str, str] | None, body: bytes | None) -> Any:
        try:
            t = self._target(url)
        except _guard.GuardError as e:
            raise HttpError("dns" if e.kind == "unresolved" else "guard_refused", detail=str(e)) from None
        self.limiter.wait(t.host)
        pool = self._pool(t)
        try:
            return pool.urlopen(
                method,
                t.path,
                body=body,
                headers={**self.headers, **(headers or {}), **t.headers},
                redirect=False,
                retries=False,
                preload_content=False,
                assert_same_host=False,
                decode_content=False,
            )
        except urllib3.exceptions.HTTPError as e:
            raise _transport_error(e, url) from None


def _read(r: Any, limit: int | None, url: str) -> bytes:
    try:
        if limit is None:
            return r.read()
        buf = bytearray()
        while len(buf) < limit:
            chunk = r.read(min(1 << 20, limit - len(buf)))
            if not chunk:
                break
            buf += chunk
        if len(buf) >= limit:
            r._obelics_cut = True  # the rest is not read: the connection must not be reused
        return bytes(buf)
    except urllib3.exceptions.HTTPError as e:
        raise _transport_error(e, url) from None
    except OSError as e:
        raise HttpError("connection_error", transient=True, detail=repr(e)) from None


def _release(r: Any) -> None:
    """Give the connection back to its pool (closed when its body was not read to the end)."""
    try:
        if getattr(r, "_obelics_cut", False):
            r.close()
        else:
            r.drain_conn()
    except Exception:  # noqa: BLE001 - a broken connection is simply not reused
        r.close()
    r.release_conn()


def _transport_error(e: Exception, url: str) -> HttpError:
    """The reason of a urllib3 failure, from its type (and the OS error it wraps)."""
    x = urllib3.exceptions
    cause = e.__cause__ or e.__context__
    if isinstance(e, x.NameResolutionError):
        return HttpError("dns", detail=url)
    if isinstance(e, x.NewConnectionError):
        if isinstance(cause, ConnectionRefusedError):
            return HttpError("connection_refused", transient=True, detail=url)
        return HttpError("connection_error", transient=True, detail=f"{url}: {cause!r}")
    if isinstance(e, x.TimeoutError):
        return HttpError("timeout", transient=True, detail=url)
    if isinstance(e, x.SSLError):
        return HttpError("ssl", detail=f"{url}: {e}")
    if isinstance(e, (x.ProtocolError, x.ProxyError)):
        inner = e.args[1] if len(e.args) > 1 else cause
        if isinstance(inner, TimeoutError):
            return HttpError("timeout", transient=True, detail=url)
        return HttpError("connection_error", transient=True, detail=f"{url}: {inner!r}")
    if isinstance(e, x.LocationValueError):
        return HttpError("bad_url", detail=f"{url}: {e}")
    return HttpError("connection_error", transient=True, detail=f"{url}: {e!r}")
