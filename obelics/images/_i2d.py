"""Runs inside img2dataset's worker processes (imported there when our Downloader is unpickled).

``ObelicsDownloader`` is img2dataset's ``Downloader`` plus, per worker process:
- the internal-address guard installed as urllib's global opener (img2dataset fetches with ``urlopen``);
- its ``download_image_with_retry`` replaced by one that retries only transient failures and then runs the node
  filters and hashes on the original bytes, in the download thread; a filtered image comes back as a failure
  ``obelics-filter:<reason>`` so img2dataset never writes its bytes;
- a sidecar Parquet per shard (``NNNNN_obelics.pq``) with the format, sizes and hashes of the images kept.

With ``processes_count=1`` it runs in the calling process instead, and :func:`uninstall` undoes the above.

This module imports img2dataset at import time: import it lazily, only where a download runs.
"""

from __future__ import annotations

import os
import time
import urllib.request
from typing import Any

import img2dataset.downloader as _dl
import pyarrow as pa
import pyarrow.parquet as pq
from img2dataset.downloader import Downloader

from obelics.images.download import FILTER_PREFIX, RESULT_SCHEMA, SIDECAR_SUFFIX, is_transient
from obelics.images.filters import FilterConfig, analyse
from obelics.images.guard import build_opener

# What the download threads learn of each kept image, beside img2dataset's own output.
SIDECAR_SCHEMA = pa.schema(
    [RESULT_SCHEMA.field(n) for n in ("url", "format", "width", "height", "bytes_size", "sha256", "phash")]
)

_ORIGINAL_DOWNLOAD_IMAGE = _dl.download_image
_ORIGINAL_WITH_RETRY = _dl.download_image_with_retry
_SIDE: dict[str, dict[str, Any]] = {}
_INSTALLED: dict[str, Any] = {}


def uninstall() -> None:
    """Undo :func:`_install` (when img2dataset ran in the calling process rather than in its workers)."""
    if "options" in _INSTALLED:
        urllib.request._opener = _INSTALLED.pop("previous_opener", None)  # what install_opener replaced
        _dl.download_image_with_retry = _ORIGINAL_WITH_RETRY
        _INSTALLED.clear()


def _install(options: dict[str, Any]) -> None:
    if _INSTALLED.get("options") == options:
        return
    _INSTALLED.setdefault("previous_opener", urllib.request._opener)
    if options.get("guard", True):
        urllib.request.install_opener(build_opener(bool(options.get("allow_loopback"))))
    cfg = FilterConfig.from_settings(options.get("filters", {}))

    def download_image_with_retry(row, timeout, retries, user_agent_token, disallowed_header_directives):
        key, url = row
        stream, err = None, None
        for attempt in range(int(retries) + 1):
            key, stream, err = _ORIGINAL_DOWNLOAD_IMAGE(row, timeout, user_agent_token, disallowed_header_directives)
            if stream is not None or not is_transient(err) or attempt == int(retries):
                break
            time.sleep(min(0.25 * 2**attempt, 4.0))
        if stream is None:
            return key, None, err
        data = stream.getvalue()
        info, reason = analyse(data, cfg)
        if reason is not None:
            stream.close()
            return key, None, FILTER_PREFIX + reason
        _SIDE[url] = info.to_dict()
        stream.seek(0)
        return key, stream, None

    _dl.download_image_with_retry = download_image_with_retry
    _INSTALLED["options"] = options


class ObelicsDownloader(Downloader):
    """img2dataset's Downloader with the guard, selective retries and the filters (see the module doc)."""

    def __init__(self, *args: Any, obelics_options: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.obelics_options = obelics_options or {}

    def download_shard(self, row):
        _install(self.obelics_options)
        _SIDE.clear()
        shard_id = row[0]
        super().download_shard(row)
        stem = f"{shard_id:0{self.oom_shard_count}d}"
        rows = [{"url": u, **info} for u, info in _SIDE.items()]
        _SIDE.clear()
        table = pa.Table.from_pylist(rows, schema=SIDECAR_SCHEMA)
        path = os.path.join(self.output_folder, stem + SIDECAR_SUFFIX)
        tmp = path + f".{os.getpid()}.tmp"
        pq.write_table(table, tmp)
        os.replace(tmp, path)
