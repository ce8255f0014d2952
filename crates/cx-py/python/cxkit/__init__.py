"""cxkit: customer-experience analytics over the cx Rust core."""

from cxkit._cxkit import __version__

__all__ = ["__version__"]
