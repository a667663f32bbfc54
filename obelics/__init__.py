"""obelics: build OBELICS-style interleaved image-text corpora from Common Crawl.

Python API: :func:`run` (one stage), :func:`run_pipeline`, :func:`stage_settings`; see README.md.
"""

from obelics.api import run, run_pipeline, stage_settings
from obelics.document import Document, DocumentError, Node
from obelics.run.settings import SettingsError

__version__ = "0.1.0"
__all__ = [
    "Document",
    "DocumentError",
    "Node",
    "SettingsError",
    "StageFailed",
    "__version__",
    "run",
    "run_pipeline",
    "stage_settings",
]


def __getattr__(name: str):
    if name == "StageFailed":  # imported on use: the runner pulls in the engines
        from obelics.run.runner import StageFailed

        return StageFailed
    raise AttributeError(f"module 'obelics' has no attribute {name!r}")
