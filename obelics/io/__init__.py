"""Reading and writing: WARC files, Parquet document shards, WebDataset shards."""
