"""slimlint: find what makes container images fat, before the build."""

__version__ = "0.1.0"
