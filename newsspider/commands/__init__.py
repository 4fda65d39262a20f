"""Subcommands of the ``newsspider`` CLI, one module each (see :mod:`newsspider.cli`)."""
