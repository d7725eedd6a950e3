"""Fixtures of the real-image tests (the helpers live in realimage_support, a module name no other folder uses)."""

from realimage_support import auth_registry, pytest_collection_modifyitems, realimages, registry  # noqa: F401
