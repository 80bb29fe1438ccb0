"""RosterSync core: OneRoster client, sync engine, local directory and command line (no Qt)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("rostersync")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
