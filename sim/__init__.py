"""housing-sim: a discrete-event simulation of Copenhagen's homeless-to-housing pipeline."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("housing-sim")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.1.0"
