"""A client for a Spawning-style opt-out service ("Do Not Train" registry).

Protocol (modelled on Spawning's ``POST /api/v2/query/urls``):

* request: ``POST {endpoint}`` with a batch of URLs (at most ``batch_size``, 1,000 by default), either
  ``text`` format -- ``Content-Type: text/plain``, one URL per line (Spawning's own format) -- or
  ``json`` format -- ``Content-Type: application/json``, ``{"urls": ["https://...", ...]}``;
  an API key, when the environment variable named by ``api_key_env`` is set, goes in
  ``Authorization: API <key>``;
* response: ``200`` with JSON ``{"urls": [{"url": "https://...", "optOut": true}, ...]}`` (a bare list
  of those objects is accepted too; ``opt_out`` / ``opted_out`` are accepted for ``optOut``; items without
  ``url`` are matched to the request by position). Every URL sent must be answered.

The client paces its requests (``rate_limit`` requests per second, per client), retries 429, 5xx,
connection errors, timeouts and malformed answers with exponential backoff (honouring
``Retry-After``), and reports a batch it could not get answered: :meth:`OptOutClient.check`
returns those URLs as *unchecked* and the caller decides (the stage fails by default).
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger("obelics")

FORMATS = ("text", "json")
RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


class OptOutServiceError(RuntimeError):
    """The opt-out service did not answer a batch after all retries."""


class _Retryable(Exception):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass
class CheckResult:
    """What a :meth:`OptOutClient.check` call learned."""

    opted_out: set[str] = field(default_factory=set)
    unchecked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: int = 0
    retries: int = 0
    batches: int = 0
    failed_batches: int = 0


def encode_request(urls: Sequence[str], fmt: str) -> tuple[bytes, str]:
    """The request body and its content type for a batch."""
    if fmt == "json":
        return json.dumps({"urls": list(urls)}).encode("utf-8"), "application/json"
    if fmt == "text":
        return "\n".join(urls).encode("utf-8"), "text/plain; charset=utf-8"
    raise ValueError(f"unknown opt-out API format {fmt!r}; allowed: {', '.join(FORMATS)}")


def parse_response(payload: Any, urls: Sequence[str]) -> set[str]:
    """The opted-out URLs of a batch from the decoded JSON answer; ValueError when it is malformed."""
    items = payload.get("urls") if isinstance(payload, dict) else payload
    if not isinstance(items, list):
        raise ValueError("answer has no 'urls' list")
    sent = set(urls)
    answered: set[str] = set()
    out: set[str] = set()
    for pos, item in enumerate(items):
        if not isinstance(item, dict):
            raise ValueError(f"answer item {pos} is not an object")
        flag = next((item[k] for k in ("optOut", "opt_out", "opted_out") if k in item), None)
        if not isinstance(flag, bool):
            raise ValueError(f"answer item {pos} has no boolean optOut")
        url = item.get("url")
        if url is None:
            if len(items) != len(urls):
                raise ValueError("answer items have no 'url' and their count differs from the request")
            url = urls[pos]
        if url not in sent:
            continue
        answered.add(url)
        if flag:
            out.add(url)
    missing = len(sent - answered)
    if missing:
        raise ValueError(f"answer lacks {missing} of the {len(sent)} URLs sent")
    return out


class OptOutClient:
    """Query an opt-out service in paced, retried batches."""

    def __init__(
        self,
        endpoint: str,
        *,
        batch_size: int = 1000,
        rate_limit: float = 5.0,
        retries: int = 5,
        backoff: float = 1.0,
        max_backoff: float = 60.0,
        timeout: float = 30.0,
        request_format: str = "text",
        api_key: str | None = None,
        user_agent: str = "obelics-optout/0.1",
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not endpoint.startswith(("http://", "https://")):
            raise ValueError(f"opt-out API endpoint must be an http(s) URL, got {endpoint!r}")
        if request_format not in FORMATS:
            raise ValueError(f"unknown opt-out API format {request_format!r}; allowed: {', '.join(FORMATS)}")
        self.endpoint = endpoint
        self.batch_size = max(1, int(batch_size))
        self.rate_limit = float(rate_limit)
        self.retries = max(0, int(retries))
        self.backoff = float(backoff)
        self.max_backoff = float(max_backoff)
        self.timeout = float(timeout)
        self.request_format = request_format
        self.api_key = api_key
        self.user_agent = user_agent
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_start = 0.0
        host = urlsplit(endpoint).hostname or ""
        # Loopback services (tests, a local mirror) never go through a proxy.
        handlers = [urllib.request.ProxyHandler({})] if host in ("127.0.0.1", "localhost", "::1") else []
        self._opener = urllib.request.build_opener(*handlers)

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> OptOutClient:
        """Build from the opt-out stage's settings (the key is read from the environment, never stored)."""
        key_env = settings.get("api_key_env") or ""
        return cls(
            settings["api_url"],
            batch_size=settings["api_batch_size"],
            rate_limit=settings["api_rate_limit"],
            retries=settings["api_retries"],
            backoff=settings["api_backoff"],
            timeout=settings["api_timeout"],
            request_format=settings["api_format"],
            api_key=os.environ.get(key_env) if key_env else None,
        )

    # ---- pacing ------------------------------------------------------------
    def _pace(self) -> None:
        """Wait so that request starts are at least 1/rate_limit seconds apart."""
        if self.rate_limit <= 0:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next_start)
            self._next_start = start + 1.0 / self.rate_limit
        if start > now:
            self._sleep(start - now)

    # ---- one request ---------------------------------------------------------
    def _request(self, urls: Sequence[str]) -> set[str]:
        body, ctype = encode_request(urls, self.request_format)
        headers = {"Content-Type": ctype, "Accept": "application/json", "User-Agent": self.user_agent}
        if self.api_key:
            headers["Authorization"] = f"API {self.api_key}"
        req = urllib.request.Request(self.endpoint, data=body, headers=headers, method="POST")
        self._pace()
        try:
            with self._opener.open(req, timeout=self.timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as e:
            retry_after = _retry_after(e.headers.get("Retry-After") if e.headers else None)
            if e.code in RETRY_STATUS:
                raise _Retryable(f"HTTP {e.code} {e.reason}", retry_after) from None
            raise OptOutServiceError(f"HTTP {e.code} {e.reason} (not retried)") from None
        except (OSError, http.client.HTTPException) as e:  # URLError, timeouts, resets, cut answers
            reason = getattr(e, "reason", e)
            raise _Retryable(f"{type(e).__name__}: {reason}") from None
        try:
            return parse_response(json.loads(raw), urls)
        except (ValueError, UnicodeDecodeError) as e:
            raise _Retryable(f"malformed answer: {e}") from None

    def query_batch(self, urls: Sequence[str], result: CheckResult | None = None) -> set[str]:
        """The opted-out URLs of one batch; OptOutServiceError after the retries are spent."""
        result = result if result is not None else CheckResult()
        last = ""
        for attempt in range(self.retries + 1):
            result.requests += 1
            try:
                return self._request(urls)
            except _Retryable as e:
                last = str(e)
                if attempt == self.retries:
                    break
                result.retries += 1
                delay = min(self.max_backoff, self.backoff * (2**attempt))
                if e.retry_after is not None:
                    delay = min(self.max_backoff, max(delay, e.retry_after))
                log.warning(
                    "opt-out API %s: %s; retry %d/%d in %.1fs", self.endpoint, last, attempt + 1, self.retries, delay
                )
                self._sleep(delay)
        raise OptOutServiceError(f"no answer after {self.retries + 1} attempts: {last}")

    def check(self, urls: Sequence[str], stop_on_failure: bool = True) -> CheckResult:
        """Check URLs in batches. A batch that fails lands in ``unchecked`` (and stops the run if asked)."""
        result = CheckResult()
        for i in range(0, len(urls), self.batch_size):
            batch = list(urls[i : i + self.batch_size])
            result.batches += 1
            try:
                result.opted_out |= self.query_batch(batch, result)
            except OptOutServiceError as e:
                result.failed_batches += 1
                result.errors.append(str(e))
                result.unchecked.extend(batch)
                if stop_on_failure:
                    result.unchecked.extend(urls[i + self.batch_size :])
                    break
        return result


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
