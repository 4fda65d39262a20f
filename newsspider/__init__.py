"""newsspider: crawl Chinese provincial news and government news pages into structured records."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("newsspider")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
