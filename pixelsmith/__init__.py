"""pixelsmith: edit images by describing what you want."""

__version__ = "0.1.0"
