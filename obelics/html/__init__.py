"""HTML to interleaved documents.

Interface (used by the extract stage):

    from obelics.html.extract import extract_document
    doc = extract_document(html: str, url: str, *, mode="obelics" | "main-content",
                           http_headers: dict[str, str] | None = None) -> Document | None

It returns a validated Document (None when the page has no text and no image),
with ``general_metadata`` holding ``url`` and ``opt_out`` (page-level signals:
``{"noai": bool, "noimageai": bool, "noindex": bool, "tdm_reservation": bool,
"sources": [...]}``). The caller adds the WARC fields.

Modules: ``extract`` (the DOM walk, both modes), ``simplify`` (the OBELICS DOM rules and
``simplify_html``), ``main_content`` (boilerplate pruning for the main-content mode),
``text_blocks`` (the page's text by block, and where its article-like text lies),
``media`` (image sources, srcset, URL resolution, declared sizes), ``optout`` (robots,
X-Robots-Tag and TDMRep signals). The rules are described in docs/extraction.md.
"""
