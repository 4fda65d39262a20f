"""Exit codes of ``newsspider`` commands (documented in the README; cron jobs rely on them)."""

__all__ = ["EXIT_CHALLENGE", "EXIT_CONFIG", "EXIT_FAILURES", "EXIT_LOCKED", "EXIT_OK"]

EXIT_OK = 0
"""Everything went well."""
EXIT_FAILURES = 1
"""Some pages, files or sites failed; the rest was done and written."""
EXIT_CONFIG = 2
"""Configuration or usage error (bad profile, bad arguments): nothing was crawled."""
EXIT_LOCKED = 3
"""Another run holds the lock on the output folder."""
EXIT_CHALLENGE = 4
"""At least one site answered with an anti-bot challenge and was not crawled."""
