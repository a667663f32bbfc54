"""Progress bars for every stage and engine: on a terminal (or in a notebook) only.

When stderr is not a terminal (a log file, a pipe, a batch job) no bar is drawn, so logs hold
no carriage returns or escape codes; the runner logs each step's start instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tqdm.auto import tqdm


def progress(
    iterable: Iterable[Any] | None = None,
    *,
    total: float | None = None,
    desc: str = "",
    unit: str = "it",
    enabled: bool = True,
    **kwargs: Any,
) -> tqdm:
    """A tqdm bar (``leave=False``, redrawn at most once a second) shown only on a terminal or in a notebook."""
    kwargs.setdefault("leave", False)
    kwargs.setdefault("mininterval", 1.0)
    notebook = any(c.__name__ == "tqdm_notebook" for c in tqdm.__mro__)  # tqdm.auto chose the widget
    disable = (not enabled) or (None if not notebook else False)
    return tqdm(iterable, total=total, desc=desc, unit=unit, disable=disable, **kwargs)
