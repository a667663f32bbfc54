"""Opt-out sources that need files or the network: user lists and the opt-out API client.

The decisions themselves are pure functions in :mod:`obelics.filters.optout`.
"""
