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

The client sends through the project's HTTP layer (:mod:`obelics.io.http`), paces its requests
(``rate_limit`` requests per second to the service's host), retries 429, 5xx, connection errors,
timeouts and malformed answers with exponential backoff (honouring ``Retry-After``), and reports a
batch it could not get answered: :meth:`OptOutClient.check`
returns those URLs as *unchecked* and the caller decides (the stage fails by default).
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from obelics.io.http import HttpClient, HttpError, RetryPolicy

log = logging.getLogger("obelics")

FORMATS = ("text", "json")


class OptOutServiceError(RuntimeError):
    """The opt-out service did not answer a batch after all retries."""


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
    """Query an opt-out service in paced, retried batches (over :class:`obelics.io.http.HttpClient`)."""

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
        # Retries of a batch (malformed answers included) are this client's; the HTTP client paces the requests.
        self._retry = RetryPolicy(self.retries, self.backoff, self.max_backoff, jitter=False)
        self._http = HttpClient(timeout=self.timeout, rate_limit=self.rate_limit, user_agent=user_agent, sleep=sleep)

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

    # ---- one request ---------------------------------------------------------
    def _request(self, urls: Sequence[str]) -> set[str]:
        body, ctype = encode_request(urls, self.request_format)
        headers = {"Content-Type": ctype, "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"API {self.api_key}"
        r = self._http.request_once("POST", self.endpoint, headers=headers, body=body)  # 429/5xx: transient HttpError
        if not 200 <= r.status < 300:
            raise OptOutServiceError(f"HTTP {r.status} (not retried)")
        try:
            return parse_response(json.loads(r.body), urls)
        except (ValueError, UnicodeDecodeError) as e:
            raise HttpError("malformed_answer", transient=True, detail=str(e)) from None

    def query_batch(self, urls: Sequence[str], result: CheckResult | None = None) -> set[str]:
        """The opted-out URLs of one batch; OptOutServiceError after the retries are spent."""
        result = result if result is not None else CheckResult()

        def attempt() -> set[str]:
            result.requests += 1
            return self._request(urls)

        def retrying(e: HttpError, attempt: int, delay: float) -> None:
            result.retries += 1
            log.warning(
                "opt-out API %s: %s; retry %d/%d in %.1fs",
                self.endpoint,
                _describe(e),
                attempt + 1,
                self.retries,
                delay,
            )

        try:
            return self._retry.call(attempt, sleep=self._sleep, on_retry=retrying)
        except HttpError as e:
            raise OptOutServiceError(f"no answer after {self.retries + 1} attempts: {_describe(e)}") from None

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


def _describe(e: HttpError) -> str:
    return f"HTTP {e.status} ({e.reason})" if e.status else str(e)
