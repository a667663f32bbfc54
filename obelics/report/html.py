"""The HTML report of a corpus: charts of its make-up and a viewer of sample documents.

``build_report(DIR)`` reads the documents of an output folder (WebDataset tars of the shard
stage, or Parquet document shards), and writes two static pages into ``DIR/report/``:

- ``index.html``: counts, the filter funnel (from the stages' ``stats.json``) as a chart, and
  histograms of images per document, words per document, image sizes, image formats and
  language scores; inline SVG, no scripts;
- ``viewer.html``: sample documents as they read, texts and images interleaved in order
  (images embedded as data URIs), metadata on demand in ``<details>``.

Both pages work offline from the file system (no server, nothing fetched).
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import os
import shutil
import subprocess
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

from obelics.document import Document
from obelics.io.atomic import atomic_open
from obelics.io.paths import WORK
from obelics.io.webdataset import image_format, iter_documents
from obelics.progress import progress
from obelics.report.card import funnel, walk_lineage

DOC_COLOR = "#2b6cb0"  # funnel: documents
IMG_COLOR = "#dd6b20"  # funnel: images
HIST_COLOR = "#2f855a"
WEB_FORMATS = {"jpeg", "png", "gif", "webp"}  # what every browser shows from a data URI
MAX_EMBED_BYTES = 300_000
THUMB_SIDE = 512


# ------------------------------------------------------------------------------------------------
# reading
# ------------------------------------------------------------------------------------------------
def document_files(folder: str | Path) -> list[Path]:
    """The tars of a shard folder, else its Parquet shards (sorted; hidden and work files skipped)."""
    d = Path(folder)
    tars = sorted(p for p in d.glob("*.tar") if not p.name.startswith("."))
    if tars:
        return tars
    return sorted(p for p in d.rglob("*.parquet") if not p.name.startswith(".") and WORK not in p.parts)


def iter_folder(folder: str | Path, limit: int | None = None) -> Iterator[Document]:
    from obelics.io.parquet import read_documents

    n = 0
    for p in document_files(folder):
        docs = iter_documents(str(p)) if p.suffix == ".tar" else read_documents(str(p))
        for doc in docs:
            yield doc
            n += 1
            if limit is not None and n >= limit:
                return


def _image_size(meta: dict[str, Any] | None, data: bytes | None) -> tuple[int, int] | None:
    if meta and isinstance(meta.get("original_width"), int) and isinstance(meta.get("original_height"), int):
        return meta["original_width"], meta["original_height"]
    if data:
        try:
            from PIL import Image

            with Image.open(io.BytesIO(data)) as im:
                return im.size
        except Exception:  # noqa: BLE001 - unreadable image: no size
            return None
    return None


@dataclass
class Profile:
    """What the charts show, gathered in one pass over the documents."""

    documents: int = 0
    images: int = 0
    images_with_bytes: int = 0
    words: int = 0
    images_per_doc: list[int] = field(default_factory=list)
    words_per_doc: list[int] = field(default_factory=list)
    widths: list[int] = field(default_factory=list)
    heights: list[int] = field(default_factory=list)
    formats: Counter = field(default_factory=Counter)
    language_scores: list[float] = field(default_factory=list)
    languages: Counter = field(default_factory=Counter)

    def add(self, doc: Document) -> None:
        self.documents += 1
        n_img = doc.num_images
        self.images += n_img
        self.images_per_doc.append(n_img)
        w = sum(len(t.split()) for t in doc.texts if t is not None)
        self.words += w
        self.words_per_doc.append(w)
        data = doc.image_bytes or [None] * len(doc.texts)
        for url, meta, b in zip(doc.images, doc.metadata, data):
            if url is None:
                continue
            self.images_with_bytes += b is not None
            fmt = (meta or {}).get("format") or image_format(b) or ("no bytes" if b is None else "unknown")
            self.formats[str(fmt).lower()] += 1
            size = _image_size(meta, b)
            if size:
                self.widths.append(size[0])
                self.heights.append(size[1])
        gm = doc.general_metadata
        score = gm.get("language_score")
        if isinstance(score, (int, float)) and not isinstance(score, bool):
            self.language_scores.append(float(score))
        if gm.get("language"):
            self.languages[str(gm["language"])] += 1


# ------------------------------------------------------------------------------------------------
# SVG charts
# ------------------------------------------------------------------------------------------------
def _esc(s: Any) -> str:
    return html.escape(str(s), quote=True)


def _nice(n: float) -> str:
    if n >= 1e9:
        return f"{n / 1e9:.1f}B"
    if n >= 1e6:
        return f"{n / 1e6:.1f}M"
    if n >= 1e4:
        return f"{n / 1e3:.0f}k"
    return f"{n:,.0f}" if float(n).is_integer() else f"{n:.2f}"


def bar_chart(
    labels: list[str], values: list[float], *, title: str, color: str = HIST_COLOR, width: int = 520, height: int = 220
) -> str:
    """A vertical bar chart as inline SVG (labels under the bars, counts over them)."""
    if not values:
        return f'<p class="muted">{_esc(title)}: no data</p>'
    left, right, top, bottom = 44, 8, 22, 44
    pw, ph = width - left - right, height - top - bottom
    vmax = max(values) or 1
    n = len(values)
    bw = pw / n
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="{_esc(title)}">',
        f'<text x="{left}" y="14" font-size="13" font-weight="bold">{_esc(title)}</text>',
        f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="#4a5568"/>',
        f'<text x="{left - 4}" y="{top + 8}" font-size="10" text-anchor="end">{_nice(vmax)}</text>',
        f'<text x="{left - 4}" y="{top + ph}" font-size="10" text-anchor="end">0</text>',
    ]
    step = max(1, math.ceil(n / 16))
    for i, (lab, v) in enumerate(zip(labels, values)):
        h = ph * v / vmax
        x = left + i * bw
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{top + ph - h:.1f}" width="{max(bw - 2, 1):.1f}" height="{h:.1f}" '
            f'fill="{color}"><title>{_esc(lab)}: {_nice(v)}</title></rect>'
        )
        if i % step == 0:
            parts.append(
                f'<text x="{x + bw / 2:.1f}" y="{top + ph + 14}" font-size="10" text-anchor="middle">{_esc(lab)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def funnel_chart(rows: list[dict[str, Any]], width: int = 1080) -> str:
    """Horizontal bars: documents (and images) after each stage."""
    rows = [r for r in rows if r.get("documents_out") is not None or r.get("images_out") is not None]
    if not rows:
        return '<p class="muted">No stage statistics found.</p>'
    first = rows[0]
    bars: list[tuple[str, float | None, float | None]] = []
    if first.get("documents_in") is not None:
        bars.append(("input", first.get("documents_in"), first.get("images_in")))
    bars += [(r["stage"], r.get("documents_out"), r.get("images_out")) for r in rows]
    dmax = max([b[1] or 0 for b in bars] + [1])
    imax = max([b[2] or 0 for b in bars] + [1])
    label_w, gap, bar_h = 120, 10, 16
    pw = (width - label_w - 150) / 2
    height = 30 + len(bars) * (2 * bar_h + gap)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        'aria-label="filter funnel">',
        f'<text x="{label_w}" y="14" font-size="12">documents</text>',
        f'<text x="{label_w + pw + 70}" y="14" font-size="12">images</text>',
    ]
    y = 24
    for name, docs, imgs in bars:
        parts.append(
            f'<text x="{label_w - 8}" y="{y + bar_h + 4}" font-size="13" text-anchor="end">{_esc(name)}</text>'
        )
        if docs is not None:
            w = max(pw * docs / dmax, 1)
            parts.append(
                f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{2 * bar_h - 4}" fill="{DOC_COLOR}">'
                f"<title>{_esc(name)}: {docs:,} documents</title></rect>"
            )
            parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + bar_h + 2}" font-size="11">{_nice(docs)}</text>')
        if imgs is not None:
            x0 = label_w + pw + 70
            w = max(pw * imgs / imax, 1)
            parts.append(
                f'<rect x="{x0}" y="{y}" width="{w:.1f}" height="{2 * bar_h - 4}" fill="{IMG_COLOR}">'
                f"<title>{_esc(name)}: {imgs:,} images</title></rect>"
            )
            parts.append(f'<text x="{x0 + w + 4:.1f}" y="{y + bar_h + 2}" font-size="11">{_nice(imgs)}</text>')
        y += 2 * bar_h + gap
    parts.append("</svg>")
    return "".join(parts)


def int_histogram(values: list[int], top: int) -> tuple[list[str], list[int]]:
    """Counts of 0..top-1 and ``top+`` (for images per document)."""
    c = Counter(min(v, top) for v in values)
    labels = [str(i) for i in range(top)] + [f"{top}+"]
    return labels, [c.get(i, 0) for i in range(top + 1)]


def log_histogram(values: list[float], edges: list[float]) -> tuple[list[str], list[int]]:
    """Counts in ``[edges[i], edges[i+1])``, the last bin open-ended."""
    counts = [0] * len(edges)
    for v in values:
        i = 0
        while i + 1 < len(edges) and v >= edges[i + 1]:
            i += 1
        counts[i] += 1
    labels = [f"{_nice(e)}+" if i == len(edges) - 1 else _nice(e) for i, e in enumerate(edges)]
    return labels, counts


def score_histogram(values: list[float], bins: int = 20) -> tuple[list[str], list[int]]:
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, max(0, int(v * bins)))] += 1
    return [f"{i / bins:.2f}" for i in range(bins)], counts


# ------------------------------------------------------------------------------------------------
# the viewer
# ------------------------------------------------------------------------------------------------
def image_data_uri(data: bytes, fmt: str | None) -> str:
    """A data URI for image bytes: as they are when a browser shows them, else a PNG/JPEG thumbnail."""
    fmt = (fmt or image_format(data) or "").lower()
    fmt = "jpeg" if fmt == "jpg" else fmt
    if fmt in WEB_FORMATS and len(data) <= MAX_EMBED_BYTES:
        return f"data:image/{fmt};base64,{base64.b64encode(data).decode()}"
    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        im.thumbnail((THUMB_SIDE, THUMB_SIDE))
        buf = io.BytesIO()
        if im.mode in ("RGBA", "LA", "P"):
            im.convert("RGBA").save(buf, "PNG")
            return f"data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}"
        im.convert("RGB").save(buf, "JPEG", quality=85)
        return f"data:image/jpeg;base64,{base64.b64encode(buf.getvalue()).decode()}"


def render_document(doc: Document, index: int) -> str:
    """One document as it reads: paragraphs and images in order; metadata in <details>."""
    data = doc.image_bytes or [None] * len(doc.texts)
    parts = [f'<article class="doc" id="doc-{index}">']
    title = doc.url or doc.extra.get("__key__") or f"document {index}"
    parts.append(f"<h2>{index + 1}. {_esc(title)}</h2>")
    words = sum(len(t.split()) for t in doc.texts if t is not None)
    parts.append(f'<p class="muted">{doc.num_images} image(s), {words:,} words</p>')
    k = 0
    for text, url, meta, b in zip(doc.texts, doc.images, doc.metadata, data):
        if text is not None:
            parts += [f"<p>{_esc(p)}</p>" for p in text.split("\n\n") if p.strip()]
            continue
        meta = meta or {}
        k += 1
        alt = meta.get("alt_text") or ""
        parts.append("<figure>")
        if b is not None:
            try:
                uri = image_data_uri(b, meta.get("format"))
                parts.append(f'<img src="{uri}" alt="{_esc(alt)}" title="{_esc(url)}">')
            except Exception:  # noqa: BLE001 - an unreadable image shows as a placeholder
                parts.append(f'<span class="noimg">image bytes not readable: {_esc(url)}</span>')
        else:
            parts.append(f'<span class="noimg">image not downloaded: {_esc(url)}</span>')
        parts.append(f"<figcaption>{_esc(alt)}</figcaption>")
        parts.append(
            f"<details><summary>image {k} metadata</summary><pre>"
            f"{_esc(json.dumps(meta, indent=2, ensure_ascii=False, default=str))}</pre></details>"
        )
        parts.append("</figure>")
    parts.append(
        "<details><summary>document metadata</summary><pre>"
        f"{_esc(json.dumps(doc.general_metadata, indent=2, ensure_ascii=False, default=str))}</pre></details>"
    )
    parts.append("</article>")
    return "\n".join(parts)


# ------------------------------------------------------------------------------------------------
# pages
# ------------------------------------------------------------------------------------------------
def _page(title: str, body: str, nav: str) -> str:
    tpl = Template(resources.files("obelics.report").joinpath("templates/page.html").read_text(encoding="utf-8"))
    return tpl.substitute(title=_esc(title), body=body, nav=nav)


def _lineage(folder: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Stage summaries ending with the folder's own ``stats.json``, and the sources."""
    return walk_lineage([str(folder)])


def _counts_table(p: Profile, extra: dict[str, Any]) -> str:
    rows = [
        ("documents", p.documents),
        ("images", p.images),
        ("images with bytes", p.images_with_bytes),
        ("words", p.words),
        ("median images per document", _median(p.images_per_doc)),
        ("median words per document", _median(p.words_per_doc)),
    ]
    rows += list(extra.items())
    cells = "".join(f"<tr><td>{_esc(k)}</td><td class='n'>{_esc(_nice(v))}</td></tr>" for k, v in rows)
    return f"<table>{cells}</table>"


def _median(values: list[int]) -> float:
    if not values:
        return 0
    s = sorted(values)
    m = len(s) // 2
    return s[m] if len(s) % 2 else (s[m - 1] + s[m]) / 2


def _removals_table(rows: list[dict[str, Any]]) -> str:
    lines = []
    for r in rows:
        for reason, n in sorted(r["removed"].items(), key=lambda kv: -kv[1]):
            lines.append(f"<tr><td>{_esc(r['stage'])}</td><td>{_esc(reason)}</td><td class='n'>{n:,}</td></tr>")
    if not lines:
        return '<p class="muted">No removals recorded.</p>'
    return "<table><tr><th>stage</th><th>reason</th><th>count</th></tr>" + "".join(lines) + "</table>"


def index_page(
    title: str, profile: Profile, rows: list[dict[str, Any]], sources: list[str], card: str | None = None
) -> str:
    p = profile
    img_labels, img_counts = int_histogram(p.images_per_doc, 30)
    w_labels, w_counts = log_histogram(
        p.words_per_doc, [0, 10, 25, 50, 100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600]
    )
    side_edges = [0, 32, 64, 100, 150, 200, 300, 400, 600, 800, 1200, 1600, 2400, 4000]
    sz_labels, sz_counts = log_histogram([max(w, h) for w, h in zip(p.widths, p.heights)], side_edges)
    fmts = p.formats.most_common()
    charts = [
        bar_chart(img_labels, img_counts, title="images per document"),
        bar_chart(w_labels, w_counts, title="words per document"),
        bar_chart(sz_labels, sz_counts, title="image size (longer side, px)"),
        bar_chart([f for f, _ in fmts], [n for _, n in fmts], title="image formats"),
    ]
    if p.language_scores:
        s_labels, s_counts = score_histogram(p.language_scores)
        charts.append(bar_chart(s_labels, s_counts, title="language score (general_metadata.language_score)"))
    else:
        charts.append('<p class="muted">No language scores in general_metadata.</p>')
    if p.languages:
        langs = p.languages.most_common(20)
        charts.append(bar_chart([k for k, _ in langs], [v for _, v in langs], title="languages"))
    grid = "".join(f"<section>{c}</section>" for c in charts)
    src = "".join(f"<li><code>{_esc(s)}</code></li>" for s in sources[:50])
    more = f"<li>… and {len(sources) - 50:,} more</li>" if len(sources) > 50 else ""
    legend = (
        f'<p class="legend"><span style="background:{DOC_COLOR}"></span>documents'
        f'<span style="background:{IMG_COLOR}"></span>images</p>'
    )
    body = (
        f"<section><h2>Counts</h2>{_counts_table(p, {})}</section>"
        f"<section><h2>Filter funnel</h2>{legend}{funnel_chart(rows)}"
        f"<details><summary>removals by reason</summary>{_removals_table(rows)}</details></section>"
        f'<div class="grid">{grid}</div>'
        f"<section><h2>Sources</h2><ul>{src}{more}</ul></section>"
    )
    return _page(title, body, _nav(card))


def _nav(card: str | None = None) -> str:
    links = '<a href="index.html">overview</a><a href="viewer.html">documents</a>'
    return links + (f'<a href="{_esc(card)}">dataset card</a>' if card else "")


def viewer_page(title: str, docs: list[tuple[int, Document]], total: int, card: str | None = None) -> str:
    toc = " ".join(f'<a href="#doc-{i}">{i + 1}</a>' for i, _ in docs)
    body = (
        f'<p class="muted">{len(docs)} of {total:,} documents, texts and images in reading order. '
        f"Metadata under each image and document. Jump to: {toc}</p>"
    )
    body += "\n".join(render_document(d, i) for i, d in docs)
    return _page(f"{title}: documents", body, _nav(card))


def build_report(
    folder: str | Path,
    output: str | Path | None = None,
    *,
    samples: int = 20,
    max_documents: int | None = None,
    title: str | None = None,
) -> dict[str, str]:
    """Write ``index.html`` and ``viewer.html``; return their paths."""
    folder = Path(folder)
    out = Path(output) if output else folder / "report"
    out.mkdir(parents=True, exist_ok=True)
    if not document_files(folder):
        raise FileNotFoundError(f"no .tar or .parquet documents in {folder}")
    profile = Profile()
    for doc in progress(iter_folder(folder, max_documents), desc="report", unit="doc"):
        profile.add(doc)
    total = profile.documents
    picks = sorted({(i * total) // samples for i in range(samples)}) if total > samples else list(range(total))
    wanted = set(picks)
    chosen: list[tuple[int, Document]] = []
    for i, doc in enumerate(iter_folder(folder, (max(picks) + 1) if picks else 0)):
        if i in wanted:
            chosen.append((i, doc))
    chain, sources = _lineage(folder)
    rows = funnel(chain)
    name = title or folder.resolve().name
    card = os.path.relpath(folder / "README.md", out) if (folder / "README.md").exists() else None
    pages = {
        "index": str(out / "index.html"),
        "viewer": str(out / "viewer.html"),
    }
    with atomic_open(pages["index"], "w", encoding="utf-8") as fh:
        fh.write(index_page(f"{name}: corpus report", profile, rows, sources, card))
    with atomic_open(pages["viewer"], "w", encoding="utf-8") as fh:
        fh.write(viewer_page(name, chosen, total, card))
    return pages


# ------------------------------------------------------------------------------------------------
# screenshots
# ------------------------------------------------------------------------------------------------
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def screenshot(page: str | Path, png: str | Path, width: int = 1200, height: int = 900, timeout: int = 60) -> str:
    """A PNG of a local page in headless Chromium (Debian's ``chromium``); returns the PNG path."""
    exe = find_chromium()
    if not exe:
        raise FileNotFoundError("chromium not found (apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="obelics-chromium-") as profile:
        cmd = [
            exe,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--screenshot={Path(png).resolve()}",
            f"--window-size={width},{height}",
            Path(page).resolve().as_uri(),
        ]
        subprocess.run(cmd, check=True, timeout=timeout, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return str(png)
