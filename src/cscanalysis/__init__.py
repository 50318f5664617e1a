"""cscanalysis: evidence for children's social care in English councils."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cscanalysis")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
