"""Opt-out stage: remove opted-out pages whole and opted-out images (their neighbouring texts merge).

Per shard, two reads: the first decides what it can from recorded signals and user lists and
collects the URLs still to check (page URLs and image URLs) for the opt-out API; the API is
queried in batches; the second read applies every decision and writes the shard. When the API
cannot answer, the task fails (``on_api_failure: fail``, the default) and writes nothing, or
keeps / drops the unchecked pages and images as asked, counted in the stats.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

from obelics.document import Document
from obelics.filters.optout import OptOutList, image_signal, page_decision
from obelics.progress import progress
from obelics.run.runner import map_tasks
from obelics.run.settings import StageSettings, setting
from obelics.run.task import Task
from obelics.stages._documents import Reject, map_documents, read_documents_counted
from obelics.stats import Stats

log = logging.getLogger("obelics")


@dataclass
class Settings(StageSettings):
    """Settings of the opt-out stage."""

    page_signals: bool = setting(True, 'act on general_metadata["opt_out"] recorded at extraction')
    image_signals: bool = setting(True, 'act on image metadata "opt_out" recorded at download')
    noindex_opt_out: bool = setting(False, "treat noindex as an opt-out from training (it is about search engines)")
    lists: list = setting(
        [], "opt-out lists: text (one URL or domain per line, # comments) or Parquet (url / domain column)"
    )
    check_document_urls: bool = setting(True, "match page URLs against lists and the API")
    check_image_urls: bool = setting(True, "match image URLs against lists and the API")
    api_url: str = setting("", 'opt-out service endpoint ("" = no API)', group="opt-out API")
    api_format: str = setting(
        "text",
        'request body: text (one URL per line, Spawning\'s) or json ({"urls": [...]})',
        choices=["text", "json"],
        group="opt-out API",
    )
    api_batch_size: int = setting(1000, "URLs per request", min=1, group="opt-out API")
    api_rate_limit: float = setting(
        5.0, "requests per second, per task (0 = unlimited)", min=0, unit="requests/s", group="opt-out API"
    )
    api_retries: int = setting(5, "retries of a failed request", min=0, group="opt-out API")
    api_backoff: float = setting(
        1.0, "first retry delay, doubled each retry (capped at 60 s)", min=0, unit="s", group="opt-out API"
    )
    api_timeout: float = setting(30.0, "time per request", min=0.01, unit="s", group="opt-out API")
    api_key_env: str = setting(
        "SPAWNING_OPTS_KEY",
        "environment variable holding the API key (sent as 'Authorization: API <key>')",
        group="opt-out API",
    )
    on_api_failure: str = setting(
        "fail", "what to do with URLs the API could not check", choices=["fail", "keep", "drop"], group="opt-out API"
    )
    keep_rejected: bool = setting(False, "also write removed documents to OUT/rejected/NAME.parquet", group="output")


DEFAULTS: dict[str, Any] = Settings.defaults()
CHOICES: dict[str, list[Any]] = Settings.choices()


def plan(inputs: list[str], output: str, settings: dict[str, Any]) -> list[list[Task]]:
    """One task per shard."""
    return [map_tasks("optout", "obelics.stages.optout:run_shard", inputs, output, settings)]


class _Decider:
    """Everything decided without the API, for one document."""

    def __init__(self, settings: dict[str, Any], lists: OptOutList) -> None:
        self.s = settings
        self.lists = lists

    def page(self, doc: Document) -> str | None:
        """Why the page is removed (before the API), or None."""
        if self.s["page_signals"]:
            reason, _ = page_decision(doc.general_metadata, self.s["noindex_opt_out"])
            if reason:
                return reason
        if self.s["check_document_urls"] and len(self.lists):
            m = self.lists.match(doc.url)
            if m:
                return f"page_list_{m}"
        return None

    def all_images(self, doc: Document) -> str | None:
        """Why all the page's images are removed (``noimageai``), or None."""
        if self.s["page_signals"]:
            return page_decision(doc.general_metadata, self.s["noindex_opt_out"])[1]
        return None

    def image(self, url: str, meta: dict[str, Any] | None) -> str | None:
        """Why one image is removed (before the API), or None."""
        if self.s["image_signals"] and image_signal(meta, self.s["noindex_opt_out"]):
            return "image_signal"
        if self.s["check_image_urls"] and len(self.lists):
            m = self.lists.match(url)
            if m:
                return f"image_list_{m}"
        return None


def run_shard(inputs: list[str], output: str, settings: dict[str, Any], stats: Stats) -> None:
    """Apply opt-out to one shard: lists and recorded signals, then the API's answers for what is left."""
    from obelics.optout.lists import load_lists

    path = inputs[0]
    decide = _Decider(settings, load_lists(settings["lists"]))
    opted, unchecked = _api_answers(path, settings, decide, stats) if settings["api_url"] else (set(), set())
    apply = _Apply(settings, decide, opted, unchecked, stats)
    map_documents("optout", path, output, apply, stats, keep_rejected=settings["keep_rejected"])


def _urls_to_check(path: str, settings: dict[str, Any], decide: _Decider) -> set[str]:
    """The page and image URLs the API must check: those no list or recorded signal removes already."""
    to_check: set[str] = set()
    for doc in progress(read_documents_counted(path, None), desc=f"optout {os.path.basename(path)} (scan)"):
        if decide.page(doc):
            continue
        if settings["check_document_urls"] and doc.url:
            to_check.add(doc.url)
        if settings["check_image_urls"] and not decide.all_images(doc):
            for url, meta in zip(doc.images, doc.metadata):
                if url is not None and not decide.image(url, meta):
                    to_check.add(url)
    return to_check


def _api_answers(path: str, settings: dict[str, Any], decide: _Decider, stats: Stats) -> tuple[set[str], set[str]]:
    """The URLs the API says are opted out, and those it could not check."""
    to_check = _urls_to_check(path, settings, decide)
    if not to_check:
        return set(), set()
    from obelics.optout.api import OptOutClient

    client = OptOutClient.from_settings(settings)
    fail = settings["on_api_failure"] == "fail"
    res = client.check(sorted(to_check), stop_on_failure=fail)
    stats.inc("api_requests", res.requests)
    stats.inc("api_retries", res.retries)
    stats.inc("api_batches", res.batches)
    stats.inc("api_urls_checked", len(to_check) - len(res.unchecked))
    stats.inc("api_urls_opted_out", len(res.opted_out))
    if res.failed_batches:
        stats.inc("api_failed_batches", res.failed_batches)
        msg = (
            f"opt-out API {settings['api_url']} could not check {len(res.unchecked)} of {len(to_check)} URLs "
            f"of {path}: {res.errors[0]}"
        )
        if fail:
            raise RuntimeError(
                msg + ". Nothing was written for this shard. Rerun when the service answers, or set "
                "on_api_failure=keep (keep unchecked data) or on_api_failure=drop (remove it)."
            )
        log.warning("%s; on_api_failure=%s", msg, settings["on_api_failure"])
    return set(res.opted_out), set(res.unchecked)


class _Apply:
    """What happens to one document: removed whole (a Reject), or kept without its opted-out images."""

    def __init__(
        self, settings: dict[str, Any], decide: _Decider, opted: set[str], unchecked: set[str], stats: Stats
    ) -> None:
        self.s = settings
        self.decide = decide
        self.opted = opted
        self.unchecked = unchecked
        self.drop_unchecked = settings["on_api_failure"] == "drop"
        self.stats = stats

    def _api(self, url: str, what: str) -> str | None:
        """``page_api``/``image_api`` when the API opted the URL out; ``*_api_unavailable`` per on_api_failure."""
        if url in self.opted:
            return f"{what}_api"
        if url in self.unchecked:
            if self.drop_unchecked:
                return f"{what}_api_unavailable"
            self.stats.reason("api_unchecked_kept", "documents" if what == "page" else "images")
        return None

    def __call__(self, doc: Document) -> Document | Reject:
        reason = self.decide.page(doc)
        if reason is None and self.s["check_document_urls"] and doc.url:
            reason = self._api(doc.url, "page")
        if reason is not None:
            return Reject(reason)
        all_reason = self.decide.all_images(doc)

        def keep(node) -> bool:
            r = all_reason or self.decide.image(node.image, node.meta)
            if r is None and self.s["check_image_urls"]:
                r = self._api(node.image, "image")
            if r is not None:
                self.stats.reason("removed_images", r)
                return False
            return True

        new = doc.filter_images(keep)
        return new if new.texts else Reject("empty_after_image_optout", count_images=False)
