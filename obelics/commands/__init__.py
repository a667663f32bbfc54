"""Subcommands of the ``obelics`` command, one module each (found automatically)."""
