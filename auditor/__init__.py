"""vecaudit: privacy auditing for vector stores."""

__version__ = "0.1.0"
