"""Dedup: keys (pure functions of documents), hash-partitioned work files, and the four passes."""
