"""Errors of the build context that are the user's to fix; the CLI prints them on one line and exits 2."""

from __future__ import annotations


class ContextError(Exception):
    """The build context cannot be used: a missing folder, a file instead of a folder, a bad `.dockerignore`."""
