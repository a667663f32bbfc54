"""Loading user opt-out lists: plain text or Parquet, URLs and domains."""

from __future__ import annotations

from obelics.filters.optout import OptOutList
from obelics.io.parquet import open_input


class OptOutListError(ValueError):
    """An opt-out list that cannot be read."""


def parse_text_list(text: str) -> OptOutList:
    """One entry per line; ``#`` starts a comment. An entry with ``://`` or ``/`` is a URL, else a domain."""
    urls: list[str] = []
    domains: list[str] = []
    for line in text.splitlines():
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        if "://" in entry or "/" in entry:
            urls.append(entry)
        else:
            domains.append(entry)
    return OptOutList(urls, domains)


def load_list(path: str) -> OptOutList:
    """Read an opt-out list: ``.parquet`` with a ``url`` and/or ``domain`` column, else plain text."""
    if path.endswith(".parquet"):
        import pyarrow.parquet as pq

        try:
            with open_input(path) as fh:
                pf = pq.ParquetFile(fh)
                names = [n for n in ("url", "domain") if n in pf.schema_arrow.names]
                if not names:
                    raise OptOutListError(f"{path}: a Parquet opt-out list needs a 'url' or 'domain' column")
                table = pf.read(columns=names)
        except OSError as e:
            raise OptOutListError(f"{path}: {e}") from None
        col = {n: [v for v in table.column(n).to_pylist() if isinstance(v, str)] for n in names}
        return OptOutList(col.get("url", ()), col.get("domain", ()))
    try:
        with open_input(path) as fh:
            text = fh.read().decode("utf-8", errors="replace")
    except OSError as e:
        raise OptOutListError(f"{path}: {e}") from None
    return parse_text_list(text)


def load_lists(paths: list[str]) -> OptOutList:
    """All lists merged into one."""
    out = OptOutList()
    for p in paths:
        out.update(load_list(p))
    return out
