"""reconciler: campaign-as-code for mobile marketing."""

__version__ = "0.1.0"
