"""Stages: one module each, ``(input shard, settings) -> output shard + stats``; no engine code."""
