"""obelics: build OBELICS-style interleaved image-text corpora from Common Crawl."""

from obelics.document import Document, DocumentError, Node

__version__ = "0.1.0"
__all__ = ["Document", "DocumentError", "Node", "__version__"]
