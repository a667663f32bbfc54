"""WebDataset shards of documents (layout owned by the shard stage).

Interface (used by the training side):

    sample_to_document(sample: dict[str, Any]) -> Document   # one tar sample (as webdataset yields it) to a Document with image_bytes
    iter_documents(path_or_url: str) -> Iterator[Document]   # every document of one tar shard, in order
"""
