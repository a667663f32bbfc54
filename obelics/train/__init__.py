"""Training side: streaming reader over WebDataset shards, packing collator, tokenizer, model configs and the
training loop. Needs the ``train`` extra (torch, transformers, tokenizers, tensorboard), imported lazily by the commands."""
